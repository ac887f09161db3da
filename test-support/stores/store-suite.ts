/**
 * The store conformance suite every MemoryStore runs (Hono's runtime-tests idea): one set of
 * behavioural tests, each against a fresh, empty store, so SQLite, in-memory and Qdrant
 * agree on semantics. Usage, in a `*.test.ts` next to the store:
 *
 *   runStoreSuite('sqlite', async () => new SqliteStore({ path: tmpFile() }), {
 *     cleanup: async () => rm(dir),               // after each test (store already closed)
 *     reopen: async (old) => new SqliteStore({ path: old.location }), // persistent stores
 *     skipReason: process.env.QDRANT_URL ? undefined : 'QDRANT_URL is not set',
 *   });
 *
 * The factory returns a new UNOPENED store with no data; the suite opens it with MODEL_A
 * (8 dimensions) and closes it. Optional features are read from `store.capabilities`
 * (prefix, fuzzy): a missing feature skips its tests with the reason in the title.
 */
import { afterEach, beforeEach, describe, it } from 'vitest';
import type { MemoryStore } from '../../src/stores/types.ts';
import { MODEL_A } from './store-fixtures.ts';
import { registerCommitCases } from './store-suite-commit.ts';
import type { StoreSuiteOptions, SuiteContext } from './store-suite-context.ts';
import { registerCrudCases } from './store-suite-crud.ts';
import { registerIsolationCases } from './store-suite-isolation.ts';
import { registerLifecycleCases } from './store-suite-lifecycle.ts';
import { registerSearchCases } from './store-suite-search.ts';

export type { StoreSuiteOptions } from './store-suite-context.ts';

export function runStoreSuite(
  name: string,
  factory: () => Promise<MemoryStore>,
  options: StoreSuiteOptions = {},
): void {
  if (options.skipReason !== undefined) {
    describe.skip(`store conformance: ${name} (skipped: ${options.skipReason})`, () => {
      it.skip(`skipped: ${options.skipReason}`, () => {});
    });
    return;
  }
  let current: MemoryStore | null = null;
  const opened: MemoryStore[] = [];
  const ctx: SuiteContext = {
    get store() {
      if (!current) throw new Error('store suite: no store (beforeEach failed?)');
      return current;
    },
    options,
    swap(next) {
      current = next;
      opened.push(next);
    },
    supports(feature) {
      return current?.capabilities?.[feature] === true;
    },
  };

  describe(`store conformance: ${name}`, () => {
    beforeEach(async () => {
      const store = await factory();
      await store.open({ model: MODEL_A });
      current = store;
      opened.push(store);
    });
    afterEach(async () => {
      const all = opened.splice(0);
      for (const store of all) await store.close().catch(() => undefined);
      if (options.cleanup && all[0]) await options.cleanup(all[0]);
      current = null;
    });
    registerCrudCases(ctx);
    registerSearchCases(ctx);
    registerIsolationCases(ctx);
    registerCommitCases(ctx);
    registerLifecycleCases(ctx);
  });
}
