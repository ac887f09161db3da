/**
 * Schema migrations of the Postgres store: an ordered list, each applied once in its own
 * transaction under an advisory lock (two processes opening a fresh database at once
 * serialize; the second sees the migration done) and recorded in `strata_schema_version`.
 * A database from a NEWER Strata (unknown version) is refused rather than guessed at.
 *
 * Text keys use the "C" collation, so ordering (and list cursors) is by code point as in
 * the other stores, whatever the database's default collation.
 *
 * Layout: every table's key starts with user_id, and so does every index (the GIN index
 * over the keyword tsvector through btree_gin). Two structures cannot: the unique index on
 * the memory id alone, which enforces that ids are unique across users (the planner may
 * use it to join a vector to its memory; user_id is still checked on both sides), and the HNSW indexes, which pgvector builds over one vector column
 * (one partial index per dimension count; queries still carry `user_id = $1`).
 */
import { StoreUnavailableError } from '../../errors.ts';
import { type Clock, nowIso, systemClock } from '../../util/clock.ts';
import type { PostgresConnection, Sql } from './connection.ts';

export interface PgMigration {
  version: number;
  description: string;
  up(sql: Sql): Promise<void>;
}

/** Arbitrary constant key of the advisory lock migrations take. */
const MIGRATION_LOCK = 0x5354_5241;

export const PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    description: 'memories, versions, vectors (pgvector), meta; tsvector keyword column',
    async up(sql) {
      await sql.query('CREATE EXTENSION IF NOT EXISTS vector');
      await sql.query('CREATE EXTENSION IF NOT EXISTS btree_gin');
      await sql.query(`
        CREATE TABLE strata_meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE strata_memories (
          user_id text COLLATE "C" NOT NULL,
          id text COLLATE "C" NOT NULL,
          layer text COLLATE "C" NOT NULL,
          created_at text COLLATE "C" NOT NULL,
          updated_at text NOT NULL,
          version integer NOT NULL,
          superseded_by text,
          importance double precision NOT NULL,
          strength double precision NOT NULL,
          access_count integer NOT NULL,
          last_accessed_at text,
          embedding_model text,
          sources text NOT NULL,
          links text NOT NULL,
          content text,
          content_sealed bytea,
          metadata text,
          metadata_sealed bytea,
          key_id text,
          bytes integer NOT NULL,
          fts_config text NOT NULL,
          token_count integer NOT NULL,
          tsv tsvector NOT NULL,
          PRIMARY KEY (user_id, id)
        );
        CREATE UNIQUE INDEX strata_memories_id_unique ON strata_memories (id);
        CREATE INDEX strata_memories_user_created ON strata_memories (user_id, created_at, id);
        CREATE INDEX strata_memories_user_layer ON strata_memories (user_id, layer, created_at, id);
        CREATE INDEX strata_memories_user_tsv ON strata_memories USING gin (user_id, tsv);
        CREATE TABLE strata_versions (
          user_id text COLLATE "C" NOT NULL,
          memory_id text COLLATE "C" NOT NULL,
          version integer NOT NULL,
          op text NOT NULL,
          at text NOT NULL,
          snapshot text,
          snapshot_sealed bytea,
          key_id text,
          PRIMARY KEY (user_id, memory_id, version),
          FOREIGN KEY (user_id, memory_id) REFERENCES strata_memories (user_id, id) ON DELETE CASCADE
        );
        CREATE TABLE strata_vectors (
          user_id text COLLATE "C" NOT NULL,
          memory_id text COLLATE "C" NOT NULL,
          model text NOT NULL,
          dims integer NOT NULL,
          embedding vector NOT NULL,
          PRIMARY KEY (user_id, memory_id),
          FOREIGN KEY (user_id, memory_id) REFERENCES strata_memories (user_id, id) ON DELETE CASCADE
        );
        CREATE TABLE strata_fts_configs (
          user_id text NOT NULL,
          config text NOT NULL,
          PRIMARY KEY (user_id, config)
        );
      `);
    },
  },
];

export const PG_LATEST_VERSION = PG_MIGRATIONS.at(-1)!.version;

async function currentVersion(sql: Sql): Promise<number> {
  await sql.query(
    'CREATE TABLE IF NOT EXISTS strata_schema_version (version integer NOT NULL, applied_at text NOT NULL)',
  );
  const rows = await sql.query<{ v: number | null }>('SELECT MAX(version) AS v FROM strata_schema_version');
  return rows[0]?.v ?? 0;
}

/** Applies pending migrations up to `target` (default: latest); returns the versions applied. */
export async function migratePostgres(
  connection: PostgresConnection,
  options: { target?: number; clock?: Clock } = {},
): Promise<number[]> {
  const target = options.target ?? PG_LATEST_VERSION;
  const applied: number[] = [];
  for (const migration of PG_MIGRATIONS) {
    if (migration.version > target) break;
    const ran = await connection.tx(`migration ${migration.version}`, async (sql) => {
      await sql.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      const from = await currentVersion(sql);
      if (from > PG_LATEST_VERSION) {
        throw new StoreUnavailableError(
          `The Postgres database at ${connection.location} has Strata schema version ${from}, newer than this Strata understands (${PG_LATEST_VERSION}). Upgrade Strata or restore a backup.`,
          { retryable: false },
        );
      }
      if (from >= migration.version) return false;
      await migration.up(sql);
      await sql.query('INSERT INTO strata_schema_version (version, applied_at) VALUES ($1, $2)', [
        migration.version,
        nowIso(options.clock ?? systemClock),
      ]);
      return true;
    });
    if (ran) applied.push(migration.version);
  }
  return applied;
}

/** The HNSW cosine index for vectors of `dims` dimensions (a partial expression index). */
export async function ensureVectorIndex(connection: PostgresConnection, dims: number): Promise<void> {
  if (!Number.isInteger(dims) || dims < 1 || dims > 16_000) return;
  await connection.tx('vector index', async (sql) => {
    await sql.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await sql.query(
      `CREATE INDEX IF NOT EXISTS strata_vectors_hnsw_${dims} ON strata_vectors
       USING hnsw ((embedding::vector(${dims})) vector_cosine_ops) WHERE dims = ${dims}`,
    );
  });
}

/** Every table the store creates, dependents first. */
export const STRATA_TABLES = [
  'strata_versions',
  'strata_vectors',
  'strata_memories',
  'strata_fts_configs',
  'strata_meta',
  'strata_schema_version',
] as const;

/** Drops every Strata table (an empty database for the next open); for evals and tests. */
export async function dropStrataTables(connection: PostgresConnection): Promise<void> {
  await connection.query(`DROP TABLE IF EXISTS ${STRATA_TABLES.join(', ')} CASCADE`);
}
