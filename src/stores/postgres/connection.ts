/**
 * One Postgres connection pool (node-postgres `pg.Pool`, an optional peer dependency loaded
 * on first use through util/optional-import.ts) and the two paths every statement takes:
 * `query()` for single statements and `tx()` for multi-row writes, which runs its callback
 * in one SERIALIZABLE transaction and reruns the whole callback on a serialization failure
 * or deadlock (SQLSTATE 40001 / 40P01) with exponential backoff. What is left is mapped into
 * Strata errors: unreachable server → store_unavailable (retryable), unique violation on
 * a memory id → conflict.
 */
import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { ConfigError, ConflictError, MemoryError, StoreUnavailableError } from '../../errors.ts';
import { type Logger, silentLogger } from '../../util/logger.ts';
import { importOptional } from '../../util/optional-import.ts';
import { withRetry } from '../../util/retry.ts';

export interface PostgresConnectionOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections in the pool. */
  poolSize: number;
  /** Reruns of a transaction after a serialization failure or deadlock. */
  retries: number;
  /** Backoff bounds; tests shrink them. */
  minDelayMs?: number;
  maxDelayMs?: number;
  logger?: Logger;
  /** How `pg` is imported (a test seam; default `import('pg')`). */
  importPg?: () => Promise<unknown>;
}

/** The statement runner a transaction callback gets (a pooled client inside BEGIN…COMMIT). */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
}

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
]);

export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Serialization failure or deadlock: the transaction may succeed when rerun. */
export function isSerializationFailure(error: unknown): boolean {
  const code = sqlStateOf(error);
  return code !== undefined && RETRYABLE_SQLSTATES.has(code);
}

/** Redacts the password of a connection string for messages and `location`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

/** A pg error as a Strata error (MemoryErrors pass through). */
export function toStoreError(error: unknown, operation: string, location: string): Error {
  if (MemoryError.isInstance(error)) return error;
  const code = sqlStateOf(error);
  const message = (error as Error)?.message ?? String(error);
  if (code === '23505') {
    return new ConflictError(`${operation}: a memory with that id already exists (${message}).`, {
      cause: error,
    });
  }
  if (code !== undefined && (UNAVAILABLE.has(code) || code.startsWith('08') || code === '57P01')) {
    return new StoreUnavailableError(
      `The Postgres server at ${location} is not reachable (${operation}: ${message}); check store.url and that the server is running.`,
      { retryable: true, cause: error },
    );
  }
  if (isSerializationFailure(error)) {
    return new StoreUnavailableError(
      `${operation} kept failing with a serialization conflict on ${location}; retry later.`,
      { retryable: true, cause: error },
    );
  }
  return error instanceof Error ? error : new Error(message);
}

export class PostgresConnection implements Sql {
  readonly location: string;
  private poolPromise: Promise<Pool> | null = null;
  private readonly logger: Logger;

  constructor(private readonly options: PostgresConnectionOptions) {
    this.location = redactUrl(options.url);
    this.logger = options.logger ?? silentLogger;
  }

  /** The pool, created once on first use (pg is imported only then). */
  pool(): Promise<Pool> {
    this.poolPromise ??= importOptional(
      'pg',
      () => (this.options.importPg ?? (() => import('pg')))(),
      (hint) => new ConfigError(`store.kind "postgres" needs the node-postgres client. ${hint}`),
    ).then((loaded) => {
      const module = loaded as { Pool?: typeof Pool; default?: { Pool: typeof Pool } };
      const PoolClass = (module.default?.Pool ?? module.Pool) as typeof Pool;
      const pool = new PoolClass({ connectionString: this.options.url, max: this.options.poolSize });
      // An idle client losing its server must not crash the process; the next query reports it.
      pool.on('error', (error: Error) =>
        this.logger.warn({ err: error.message }, 'postgres idle client error'),
      );
      return pool;
    });
    return this.poolPromise;
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, params: unknown[] = []): Promise<R[]> {
    try {
      const pool = await this.pool();
      return (await pool.query<R>(text, params)).rows;
    } catch (error) {
      throw toStoreError(error, 'query', this.location);
    }
  }

  /**
   * Runs `fn` in one SERIALIZABLE transaction (or, `readOnly`, a read-only one at the
   * server's default level), rerunning it on 40001/40P01. `fn` must be
   * safe to rerun: it may only touch the database through `sql` (state it builds for the
   * caller is rebuilt by the rerun).
   */
  async tx<T>(
    operation: string,
    fn: (sql: Sql) => Promise<T>,
    options: { readOnly?: boolean } = {},
  ): Promise<T> {
    const begin = options.readOnly ? 'BEGIN READ ONLY' : 'BEGIN ISOLATION LEVEL SERIALIZABLE';
    try {
      const pool = await this.pool();
      return await withRetry(
        async () => {
          const client = await pool.connect();
          let broken = false;
          try {
            await client.query(begin);
            const result = await fn(clientSql(client));
            await client.query('COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {
              broken = true;
            });
            throw error;
          } finally {
            client.release(broken);
          }
        },
        {
          retries: this.options.retries,
          minDelayMs: this.options.minDelayMs ?? 20,
          maxDelayMs: this.options.maxDelayMs ?? 1_000,
          shouldRetry: (error) => isSerializationFailure(error),
          onRetry: (error, attempt, delayMs) =>
            this.logger.warn(
              { operation, attempt, delayMs, err: (error as Error).message },
              'postgres transaction conflict, retrying',
            ),
        },
      );
    } catch (error) {
      throw toStoreError(error, operation, this.location);
    }
  }

  async close(): Promise<void> {
    const pending = this.poolPromise;
    this.poolPromise = null;
    if (!pending) return;
    const pool = await pending.catch(() => null);
    await pool?.end();
  }
}

function clientSql(client: PoolClient): Sql {
  return {
    async query<R extends QueryResultRow = QueryResultRow>(text: string, params: unknown[] = []) {
      return (await client.query<R>(text, params)).rows;
    },
  };
}
