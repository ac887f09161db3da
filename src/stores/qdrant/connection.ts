/**
 * One Qdrant connection: the REST client (undici keep-alive pool sized by `parallelism`,
 * per-request timeout) plus `call()`, the single path every request takes, which retries
 * retryable failures with exponential backoff (util/retry.ts) and maps what is left into
 * Strata errors. Idempotent writes (upserts by deterministic point id) make retrying safe.
 * The client module is imported on first use: it costs ~200 ms to load, which SQLite-only
 * processes (every CLI command) should not pay just because the store factory links it.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { ConfigError } from '../../errors.ts';
import { type Logger, silentLogger } from '../../util/logger.ts';
import { importOptional } from '../../util/optional-import.ts';
import { withRetry } from '../../util/retry.ts';
import { isRetryableQdrantError, toStoreError } from './errors.ts';

export interface QdrantConnectionOptions {
  url: string;
  apiKey?: string | undefined;
  timeoutMs: number;
  retries: number;
  /** Backoff bounds; tests shrink them. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Keep-alive sockets in the pool. */
  maxConnections: number;
  logger?: Logger;
}

export class QdrantConnection {
  readonly url: string;
  private clientPromise: Promise<QdrantClient> | null = null;
  readonly apiKey: string | undefined;
  private readonly options: QdrantConnectionOptions;
  private readonly logger: Logger;

  constructor(options: QdrantConnectionOptions) {
    this.options = options;
    this.url = options.url.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.logger = options.logger ?? silentLogger;
  }

  /** The REST client (undici keep-alive pool), created once on first use. */
  client(): Promise<QdrantClient> {
    this.clientPromise ??= importOptional(
      '@qdrant/js-client-rest',
      () => import('@qdrant/js-client-rest'),
      (hint) => new ConfigError(`store.kind "qdrant" needs the Qdrant client. ${hint}`),
    ).then(
      ({ QdrantClient: Client }) =>
        new Client({
          url: this.url,
          ...(this.options.apiKey === undefined ? {} : { apiKey: this.options.apiKey }),
          timeout: this.options.timeoutMs,
          maxConnections: this.options.maxConnections,
          // The version probe is a fire-and-forget request that warns on stdout; readiness
          // is checked by the first real call instead.
          checkCompatibility: false,
        }),
    );
    return this.clientPromise;
  }

  /** Runs one Qdrant request with retry on retryable failures; `operation` names it in errors. */
  async call<T>(operation: string, fn: (client: QdrantClient) => Promise<T>, retries?: number): Promise<T> {
    try {
      const client = await this.client();
      return await withRetry(() => fn(client), {
        retries: retries ?? this.options.retries,
        minDelayMs: this.options.minDelayMs ?? 200,
        maxDelayMs: this.options.maxDelayMs ?? 5_000,
        shouldRetry: (error) => isRetryableQdrantError(error),
        onRetry: (error, attempt, delayMs) =>
          this.logger.warn(
            { operation, attempt, delayMs, url: this.url, err: (error as Error).message },
            'qdrant request failed, retrying',
          ),
      });
    } catch (error) {
      throw toStoreError(error, operation, this.url);
    }
  }

  /** Headers for the raw requests the client has no method for (snapshot download/upload). */
  headers(): Record<string, string> {
    return this.apiKey === undefined ? {} : { 'api-key': this.apiKey };
  }
}
