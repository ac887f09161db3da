/**
 * The store conformance suite on SQLite (real temp files). Variants (int8 index, encryption)
 * run in sqlite-store-variants.test.ts; SQLite-specific tests live in the sibling files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runStoreSuite } from '../../../test-support/stores/store-suite.ts';
import { SqliteStore } from './sqlite-store.ts';

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'strata-sqlite-')), 'strata.db');
}

const cleanup = async (store: { location: string }) =>
  rmSync(dirname(store.location), { recursive: true, force: true });

runStoreSuite('sqlite', async () => new SqliteStore({ path: tempDb() }), {
  cleanup,
  reopen: async (old) => new SqliteStore({ path: old.location }),
});
