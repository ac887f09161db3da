/** Runs the store conformance suite on the in-memory store. */
import { runStoreSuite } from '../../../test-support/stores/store-suite.ts';
import { InMemoryStore } from './memory-store.ts';

runStoreSuite('memory', async () => new InMemoryStore());
