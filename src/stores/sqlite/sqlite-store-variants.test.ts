/**
 * The store conformance suite on SQLite variants: the int8 vector index (approximate scan,
 * exact re-score from disk), encryption at rest (blind keyword index, no prefix/fuzzy), and
 * keyword search on FTS5 (store.keywordIndex 'fts5'; the default is the in-process index).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runStoreSuite } from '../../../test-support/stores/store-suite.ts';
import { createCipher, generateKey } from '../../security/cipher.ts';
import { SqliteStore } from './sqlite-store.ts';

function tempDb(): string {
  return join(mkdtempSync(join(tmpdir(), 'strata-sqlite-')), 'strata.db');
}

const cleanup = async (store: { location: string }) =>
  rmSync(dirname(store.location), { recursive: true, force: true });

runStoreSuite('sqlite int8 index', async () => new SqliteStore({ path: tempDb(), vectorPrecision: 'int8' }), {
  cleanup,
});

const key = generateKey();
runStoreSuite(
  'sqlite encrypted',
  async () => new SqliteStore({ path: tempDb(), cipher: createCipher(key) }),
  { cleanup, reopen: async (old) => new SqliteStore({ path: old.location, cipher: createCipher(key) }) },
);

runStoreSuite(
  'sqlite FTS5 keyword index',
  async () => new SqliteStore({ path: tempDb(), keywordIndex: 'fts5' }),
  {
    cleanup,
    reopen: async (old) => new SqliteStore({ path: old.location, keywordIndex: 'fts5' }),
  },
);

runStoreSuite(
  'sqlite encrypted, FTS5 keyword index',
  async () => new SqliteStore({ path: tempDb(), cipher: createCipher(key), keywordIndex: 'fts5' }),
  {
    cleanup,
    reopen: async (old) =>
      new SqliteStore({ path: old.location, cipher: createCipher(key), keywordIndex: 'fts5' }),
  },
);
