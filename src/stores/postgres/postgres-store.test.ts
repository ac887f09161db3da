/**
 * The store conformance suite on Postgres: always against PGlite + pgvector served over a
 * socket (the store connects through `pg` as to any server), plaintext and encrypted, and
 * against a real server when POSTGRES_URL is set (skipped with that reason otherwise).
 */
import { afterAll, beforeAll } from 'vitest';
import {
  type PgliteServer,
  resetPostgres,
  startPgliteServer,
} from '../../../test-support/postgres/pglite-server.ts';
import { runStoreSuite } from '../../../test-support/stores/store-suite.ts';
import { createCipher, generateKey } from '../../security/cipher.ts';
import type { MemoryStore } from '../types.ts';
import { PostgresStore } from './store.ts';

let server: PgliteServer;
beforeAll(async () => {
  server = await startPgliteServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

const reopen = async (old: MemoryStore) => new PostgresStore((old as PostgresStore).settings);
const cleanup = async () => server.reset();

runStoreSuite(
  'postgres (PGlite over a socket)',
  async () => new PostgresStore({ url: server.url, poolSize: 1 }),
  {
    cleanup,
    reopen,
  },
);

const cipher = createCipher(generateKey());
runStoreSuite(
  'postgres (PGlite over a socket, encrypted)',
  async () => new PostgresStore({ url: server.url, poolSize: 1, cipher }),
  { cleanup, reopen },
);

const realUrl = process.env.POSTGRES_URL;
runStoreSuite('postgres (POSTGRES_URL)', async () => new PostgresStore({ url: realUrl ?? '' }), {
  skipReason: realUrl ? undefined : 'POSTGRES_URL is not set',
  cleanup: async () => resetPostgres(realUrl ?? ''),
  reopen,
});
