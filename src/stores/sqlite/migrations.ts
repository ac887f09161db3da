/**
 * Schema migrations for the SQLite store: an ordered list, each applied once inside its own
 * transaction and recorded in `schema_version`, so a file written by an older Strata is
 * upgraded in place on open and a crash mid-migration leaves the previous version intact.
 * A file from a NEWER Strata (unknown version) is refused rather than guessed at.
 * Migrations that need data transforms get a context with the store's FTS indexer, because
 * keyword tokens are computed in TypeScript (one tokenizer for every store, and a blind
 * index under encryption), not by SQLite.
 */
import type Database from 'better-sqlite3';
import { StoreUnavailableError } from '../../errors.ts';
import { type Clock, nowIso, systemClock } from '../../util/clock.ts';

export interface MigrationContext {
  db: Database.Database;
  /** Rebuilds the FTS rows for every memory from their (decrypted) content. */
  reindexAll(): void;
  /** Stamps applied migrations (default: the system clock). */
  clock?: Clock;
}

export interface Migration {
  version: number;
  description: string;
  up(ctx: MigrationContext): void;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'memories, versions, vectors, meta',
    up({ db }) {
      db.exec(`
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
        CREATE TABLE memories (
          rowid INTEGER PRIMARY KEY,
          id TEXT NOT NULL UNIQUE,
          user_id TEXT NOT NULL,
          layer TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          version INTEGER NOT NULL,
          superseded_by TEXT,
          importance REAL NOT NULL,
          strength REAL NOT NULL,
          access_count INTEGER NOT NULL,
          last_accessed_at TEXT,
          embedding_model TEXT,
          sources TEXT NOT NULL,
          links TEXT NOT NULL,
          content ANY NOT NULL,
          metadata ANY NOT NULL,
          key_id TEXT,
          bytes INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX memories_user_created ON memories(user_id, created_at, id);
        CREATE TABLE versions (
          memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE ON UPDATE CASCADE,
          version INTEGER NOT NULL,
          op TEXT NOT NULL,
          at TEXT NOT NULL,
          snapshot ANY NOT NULL,
          key_id TEXT,
          PRIMARY KEY (memory_id, version)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE vectors (
          memory_id TEXT PRIMARY KEY REFERENCES memories(id) ON DELETE CASCADE ON UPDATE CASCADE,
          model TEXT NOT NULL,
          dims INTEGER NOT NULL,
          vector BLOB NOT NULL
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 2,
    description: 'FTS5 keyword index (contentless, rowid = memories.rowid) and its vocabulary view',
    up(ctx) {
      ctx.db.exec(`
        CREATE VIRTUAL TABLE memories_fts USING fts5(terms, content='', contentless_delete=1, tokenize='ascii');
        CREATE VIRTUAL TABLE memories_vocab USING fts5vocab(memories_fts, row);
      `);
      ctx.reindexAll();
    },
  },
  {
    version: 3,
    description: 'user_state: small JSON values per user (learned recall weights)',
    up({ db }) {
      db.exec(`
        CREATE TABLE user_state (
          user_id TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (user_id, key)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    version: 4,
    description: 'signed change log: entries per (user, author) chain, heads, known keys, peer cursors',
    up({ db }) {
      // Signing needs the instance key, which the store loads after migrating: it logs the
      // memories already there at open (change-log-backfill.ts), once, while this flag is set.
      // rowid is the arrival order: sync cursors page through it. via: the peer an entry came
      // from (NULL: written here). payload NULL: pruned after the memory was deleted.
      db.exec(`
        CREATE TABLE sync_log (
          rowid INTEGER PRIMARY KEY,
          hash TEXT NOT NULL UNIQUE,
          user_id TEXT NOT NULL,
          author TEXT NOT NULL,
          seq INTEGER NOT NULL,
          hlc TEXT NOT NULL,
          op TEXT NOT NULL,
          memory_id TEXT NOT NULL,
          prev_hash TEXT NOT NULL,
          payload_hash TEXT NOT NULL,
          payload TEXT,
          sig TEXT NOT NULL,
          via TEXT,
          UNIQUE (user_id, author, seq)
        ) STRICT;
        CREATE INDEX sync_log_memory ON sync_log(user_id, memory_id);
        CREATE INDEX sync_log_arrival ON sync_log(user_id, rowid);
        CREATE TABLE sync_heads (
          user_id TEXT NOT NULL,
          author TEXT NOT NULL,
          seq INTEGER NOT NULL,
          hash TEXT NOT NULL,
          PRIMARY KEY (user_id, author)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE sync_keys (
          instance_id TEXT PRIMARY KEY,
          public_key TEXT NOT NULL,
          source TEXT NOT NULL,
          added_at TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE sync_peers (
          peer TEXT NOT NULL,
          user_id TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          PRIMARY KEY (peer, user_id, key)
        ) STRICT, WITHOUT ROWID;
        ALTER TABLE memories ADD COLUMN log_hash TEXT;
        INSERT OR REPLACE INTO meta (key, value) VALUES ('log_backfill', 'pending');
      `);
    },
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)!.version;

export function currentVersion(db: Database.Database): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)');
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}

/** Applies pending migrations up to `target` (default: latest); returns the versions applied. */
export function migrate(ctx: MigrationContext, location: string, target = LATEST_VERSION): number[] {
  const from = currentVersion(ctx.db);
  if (from > LATEST_VERSION) {
    throw new StoreUnavailableError(
      `The database at ${location} has schema version ${from}, newer than this Strata understands (${LATEST_VERSION}). Upgrade Strata or open a backup.`,
      { retryable: false },
    );
  }
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    if (migration.version <= from || migration.version > target) continue;
    // IMMEDIATE takes the write lock before reading the version, so two processes opening a
    // fresh file at once serialize here and the second one sees the migration as done.
    const ran = ctx.db
      .transaction(() => {
        if (currentVersion(ctx.db) >= migration.version) return false;
        migration.up(ctx);
        ctx.db
          .prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)')
          .run(migration.version, nowIso(ctx.clock ?? systemClock));
        return true;
      })
      .immediate();
    if (ran) applied.push(migration.version);
  }
  return applied;
}
