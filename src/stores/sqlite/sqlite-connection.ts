/**
 * One open SQLite connection with what every store operation needs: a prepared-statement
 * cache (statements are compiled once per SQL text), transactions that map SQLite failures
 * to MemoryErrors (unique violations → ConflictError, busy → retryable
 * StoreUnavailableError), the meta key/value table, and PRAGMA data_version, which changes
 * when another connection (another process) commits.
 */
import type Database from 'better-sqlite3';
import { ConflictError, MemoryError } from '../../errors.ts';
import { mapSqliteError } from './open-db.ts';

export class SqliteConnection {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    readonly db: Database.Database,
    readonly location: string,
  ) {}

  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  tx<T>(fn: () => T): T {
    try {
      // IMMEDIATE: take the write lock up front. A deferred transaction that reads first and
      // then writes gets SQLITE_BUSY at once (no busy wait) when another process wrote between.
      return this.db.transaction(fn).immediate();
    } catch (error) {
      if (MemoryError.isInstance(error)) throw error;
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError(`A memory id is already taken: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return mapSqliteError(error, this.location);
    }
  }

  readMeta(key: string): string | null {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  writeMeta(key: string, value: string | null): void {
    if (value === null) this.stmt('DELETE FROM meta WHERE key = ?').run(key);
    else this.stmt('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  dataVersion(): number {
    // A cached statement: db.pragma() compiles a new one on every call (twice per search).
    return (this.stmt('PRAGMA data_version').get() as { data_version: number }).data_version;
  }

  close(): void {
    this.statements.clear();
    if (this.db.open) this.db.close();
  }
}
