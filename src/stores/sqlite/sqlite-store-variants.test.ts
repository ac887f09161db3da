/**
 * The store conformance suite on SQLite variants: the int8 vector index (approximate scan,
 * exact re-score from disk) and encryption at rest (blind keyword index, no prefix/fuzzy).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createCipher, generateKey } from '../../security/cipher.ts';
import { runStoreSuite } from '../../testing/store-suite.ts';
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
  'sqlite in-process keyword index',
  async () => new SqliteStore({ path: tempDb(), keywordIndex: 'memory' }),
  {
    cleanup,
    reopen: async (old) => new SqliteStore({ path: old.location, keywordIndex: 'memory' }),
  },
);

runStoreSuite(
  'sqlite encrypted, in-process keyword index',
  async () => new SqliteStore({ path: tempDb(), cipher: createCipher(key), keywordIndex: 'memory' }),
  {
    cleanup,
    reopen: async (old) =>
      new SqliteStore({ path: old.location, cipher: createCipher(key), keywordIndex: 'memory' }),
  },
);
