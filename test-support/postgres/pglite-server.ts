/**
 * A real Postgres for tests: PGlite (Postgres compiled to WebAssembly) with the pgvector and
 * btree_gin extensions, served over the Postgres wire protocol on a random local port by
 * pglite-socket, so a store connects through `pg` exactly as it would to a server.
 * PGlite is one session multiplexed by the socket server, so tests use one pooled
 * connection (transactions of two pool clients would otherwise interleave).
 */
import { PGlite } from '@electric-sql/pglite';
import { btree_gin } from '@electric-sql/pglite/contrib/btree_gin';
import { vector } from '@electric-sql/pglite-pgvector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';

export interface PgliteServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** Runs SQL directly on the database (setup, inspection). */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** Drops every Strata table, so the next store starts from an empty database. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

const STRATA_TABLES = [
  'strata_versions',
  'strata_vectors',
  'strata_memories',
  'strata_fts_configs',
  'strata_meta',
  'strata_schema_version',
];

export async function startPgliteServer(): Promise<PgliteServer> {
  const db = await PGlite.create({ extensions: { vector, btree_gin } });
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  const url = `postgres://postgres@${server.getServerConn()}/postgres`;
  return {
    url,
    async query<R>(text: string, params: unknown[] = []) {
      return (await db.query(text, params)).rows as R[];
    },
    async reset() {
      await db.exec(`DROP TABLE IF EXISTS ${STRATA_TABLES.join(', ')} CASCADE`);
    },
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** Drops every Strata table of a real server (POSTGRES_URL runs). */
export async function resetPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${STRATA_TABLES.join(', ')} CASCADE`);
  } finally {
    await client.end();
  }
}
