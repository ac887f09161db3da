/**
 * Opening the SQLite file: directory creation, pragmas and migrations. Pragmas, and why:
 * WAL so readers never block the writer and a crash never corrupts the file;
 * synchronous=NORMAL by default because in WAL mode it is still crash-safe for the process
 * (a SIGKILL/OOM/panic loses nothing that was committed: commits sit in the WAL, which the
 * OS keeps) and only an OS crash or power cut can drop the last few commits, while FULL
 * adds an fsync per commit (several ms here, the whole write budget); set
 * store.synchronous = 'full' where power-loss durability of every write matters more.
 * busy_timeout so concurrent processes (CLI beside a server) wait instead of failing;
 * foreign_keys so versions/vectors cascade with their memory; secure_delete so a deleted
 * (or re-encrypted) memory's bytes are zeroed, not left readable in free pages;
 * cache_size 4 MB instead of better-sqlite3's 16 MB default because the OS page cache
 * already holds the file and every resident MB counts against the 300 MB budget at 100k
 * (docs/performance.md, "Resident memory at 100k"); mmap_size stays 0 for the same reason.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from '../../errors.ts';

export interface DbOptions {
  path: string;
  busyTimeoutMs: number;
  synchronous: 'normal' | 'full';
}

export function openDatabase(options: DbOptions): Database.Database {
  const inMemory = options.path === ':memory:';
  try {
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
    const db = new Database(options.path);
    // busy_timeout first: switching a fresh file to WAL needs a lock another process may hold.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    db.pragma('cache_size = -4000');
    return db;
  } catch (error) {
    throw new StoreUnavailableError(
      `Cannot open the SQLite database at ${options.path}: ${(error as Error).message}. Check that the directory is writable and the file is a Strata database.`,
      { cause: error, retryable: false },
    );
  }
}

/** Maps SQLite busy/locked errors to a retryable StoreUnavailableError; rethrows others. */
export function mapSqliteError(error: unknown, location: string): never {
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    throw new StoreUnavailableError(
      `The database at ${location} is locked by another writer; retry, or raise store.busyTimeoutMs.`,
      { cause: error },
    );
  }
  throw error;
}
