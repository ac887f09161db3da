/**
 * The shared embedder core: wraps a thin EmbeddingProvider into an Embedder with
 * single-flight lazy loading (concurrent first calls share one load; a failed load is
 * retried by the next call instead of being cached), a queue that coalesces concurrent
 * requests into batches of up to maxBatchSize (waiting at most batchWindowMs, or with a zero
 * window until the microtask queue or the event-loop turn ends; requests that arrive while a
 * serial provider is busy form the next batch), an LRU cache keyed by the text (a SHA-1 of it
 * for long texts) that copies vectors into its own slabs (so providers may return views of
 * one buffer per batch), and close() that flushes pending work. Providers stay small
 * because batching, caching and validation live here once.
 */
import { createHash } from 'node:crypto';
import { ClosedError, EmbedderError, MemoryError } from '../errors.ts';
import type { Embedder, EmbedderStats, EmbeddingProvider } from './types.ts';
import { VectorCache } from './vector-cache.ts';

export interface EmbedderCoreOptions {
  /** Upper bound per provider call; the provider's own maxBatchSize caps it too. */
  maxBatchSize?: number;
  /** How long the first queued request waits for company before its batch runs. */
  batchWindowMs?: number;
  /**
   * With batchWindowMs 0, when the queue is flushed: 'microtask' right after the current
   * synchronous code (a lone request waits for nothing; requests made in the same tick, e.g.
   * one Promise.all, still share a batch), or 'immediate' after pending I/O callbacks (also
   * groups requests that arrive in different callbacks of one event-loop turn).
   */
  flush?: 'microtask' | 'immediate';
  /** LRU entries; 0 disables caching. */
  cacheSize?: number;
  now?: () => number;
}

interface Pending {
  text: string;
  key: string;
  resolve: (vector: Float32Array) => void;
  reject: (error: unknown) => void;
}

/** Texts up to this many UTF-16 units are their own cache key (hashing would cost more). */
const LITERAL_KEY_MAX = 160;

/**
 * Cache and in-flight key of a text: a short text is its own key (a Map hashes it faster
 * than SHA-1, and 160 characters cost little more memory than a 28-character digest); a
 * longer one is "\0" + its SHA-1, which no literal key can equal because literal keys never
 * start with "\0".
 */
export function contentKey(text: string): string {
  if (text.length <= LITERAL_KEY_MAX && text.charCodeAt(0) !== 0) return text;
  return `\0${createHash('sha1').update(text).digest('base64')}`;
}

export function createEmbedderCore(provider: EmbeddingProvider, options: EmbedderCoreOptions = {}): Embedder {
  return new CoreEmbedder(provider, options);
}

class CoreEmbedder implements Embedder {
  readonly #provider: EmbeddingProvider;
  readonly #maxBatch: number;
  readonly #windowMs: number;
  readonly #flush: 'microtask' | 'immediate';
  readonly #cache: VectorCache;
  readonly #now: () => number;
  #loading: Promise<void> | null = null;
  #loaded = false;
  #closed = false;
  #loadCount = 0;
  #loadMs: number | null = null;
  #queue: Pending[] = [];
  #inflight = new Map<string, Promise<Float32Array>>();
  #running = 0;
  /** The pending flush: a timer, an immediate, or a token for a queued microtask. */
  #timer: NodeJS.Timeout | NodeJS.Immediate | symbol | null = null;
  #idleWaiters: Array<() => void> = [];
  #batches = 0;
  #embedded = 0;
  #hits = 0;
  #misses = 0;

  constructor(provider: EmbeddingProvider, options: EmbedderCoreOptions) {
    this.#provider = provider;
    this.#maxBatch = Math.max(
      1,
      Math.min(options.maxBatchSize ?? provider.maxBatchSize, provider.maxBatchSize),
    );
    this.#windowMs = Math.max(0, options.batchWindowMs ?? 2);
    this.#flush = options.flush ?? 'immediate';
    this.#cache = new VectorCache(options.cacheSize ?? 10_000);
    this.#now = options.now ?? (() => performance.now());
  }

  get id(): string {
    return this.#provider.id;
  }

  get dimensions(): number {
    return this.#provider.dimensions;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('This embedder is closed; create a new one.'));
    return this.#load();
  }

  #load(): Promise<void> {
    if (this.#loaded) return Promise.resolve();
    if (this.#loading === null) {
      const started = this.#now();
      this.#loadCount++;
      this.#loading = (async () => {
        try {
          await this.#provider.load();
        } catch (error) {
          // Not cached: the next call starts a fresh load (a model file may appear later).
          this.#loading = null;
          throw MemoryError.isInstance(error)
            ? error
            : new EmbedderError(`Loading embedding model ${this.#provider.id} failed: ${messageOf(error)}`, {
                cause: error,
                retryable: true,
              });
        }
        this.#loadMs = this.#now() - started;
        this.#loaded = true;
      })();
    }
    return this.#loading;
  }

  embed(text: string): Promise<Float32Array> {
    if (this.#closed) return Promise.reject(new ClosedError('This embedder is closed; create a new one.'));
    if (typeof text !== 'string') return Promise.reject(new EmbedderError('embed() needs a string.'));
    const found = this.#lookup(text);
    return found instanceof Promise ? found.then(copy) : Promise.resolve(found);
  }

  embedMany(texts: string[]): Promise<Float32Array[]> {
    if (this.#closed) return Promise.reject(new ClosedError('This embedder is closed; create a new one.'));
    if (!Array.isArray(texts) || texts.some((text) => typeof text !== 'string')) {
      return Promise.reject(new EmbedderError('embedMany() needs an array of strings.'));
    }
    // All misses enter the queue in this one call, so they fill whole batches; one copy
    // pass at the end instead of a continuation per text.
    const found = texts.map((text) => this.#lookup(text));
    return Promise.all(found).then((vectors) =>
      vectors.map((v, i) => (found[i] instanceof Promise ? copy(v) : v)),
    );
  }

  /**
   * A cache hit as the caller's own copy, or else the shared vector of the text's queued
   * request (queued now, or joined when the identical text already waits), not yet copied.
   */
  #lookup(text: string): Float32Array | Promise<Float32Array> {
    const key = contentKey(text);
    const cached = this.#cache.getCopy(key);
    if (cached !== undefined) {
      this.#hits++;
      return cached;
    }
    this.#misses++;
    const shared = this.#inflight.get(key);
    if (shared !== undefined) return shared;
    const promise = new Promise<Float32Array>((resolve, reject) => {
      this.#queue.push({ text, key, resolve, reject });
    });
    this.#inflight.set(key, promise);
    this.#schedule();
    return promise;
  }

  stats(): EmbedderStats {
    const lookups = this.#hits + this.#misses;
    return {
      model: this.#provider.id,
      dimensions: this.#provider.dimensions,
      loaded: this.#loaded,
      loadCount: this.#loadCount,
      loadMs: this.#loadMs,
      batches: this.#batches,
      embedded: this.#embedded,
      queueDepth: this.#queue.length,
      cacheSize: this.#cache.size,
      cacheHits: this.#hits,
      cacheMisses: this.#misses,
      cacheHitRate: lookups === 0 ? 0 : this.#hits / lookups,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimer();
    // Flush: pending requests were accepted before close(), so they still get vectors.
    while (this.#queue.length > 0 || this.#running > 0) {
      if (this.#queue.length > 0 && this.#canRun()) void this.#runBatch();
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
    this.#cache.clear();
    if (this.#loaded || this.#loading !== null) {
      await this.#loading?.catch(() => undefined);
      await this.#provider.dispose?.();
    }
    this.#loaded = false;
  }

  #canRun(): boolean {
    return this.#provider.supportsParallelCalls || this.#running === 0;
  }

  #schedule(): void {
    if (!this.#canRun()) return; // the running batch picks the queue up when it ends
    if (this.#queue.length >= this.#maxBatch) {
      this.#clearTimer();
      void this.#runBatch();
      return;
    }
    if (this.#timer !== null) return;
    if (this.#windowMs > 0) {
      this.#timer = setTimeout(() => this.#fire(), this.#windowMs);
    } else if (this.#flush === 'microtask') {
      const token = Symbol('flush');
      this.#timer = token;
      queueMicrotask(() => {
        if (this.#timer === token) this.#fire();
      });
    } else {
      this.#timer = setImmediate(() => this.#fire());
    }
  }

  #fire(): void {
    this.#timer = null;
    void this.#runBatch();
  }

  #clearTimer(): void {
    const timer = this.#timer;
    if (timer === null) return;
    this.#timer = null; // a queued microtask sees the token gone and does nothing
    if (typeof timer === 'symbol') return;
    clearTimeout(timer as NodeJS.Timeout);
    clearImmediate(timer as NodeJS.Immediate);
  }

  async #runBatch(): Promise<void> {
    if (!this.#canRun()) return;
    const batch = this.#queue.splice(0, this.#maxBatch);
    if (batch.length === 0) return this.#notifyIdle();
    this.#running++;
    try {
      if (!this.#loaded) await this.#load();
      const vectors = await this.#provider.embed(batch.map((item) => item.text));
      this.#check(vectors, batch.length);
      this.#batches++;
      this.#embedded += batch.length;
      batch.forEach((item, i) => {
        const vector = vectors[i] as Float32Array;
        this.#cache.set(item.key, vector);
        this.#inflight.delete(item.key);
        item.resolve(vector);
      });
    } catch (error) {
      const wrapped = MemoryError.isInstance(error)
        ? error
        : new EmbedderError(`Embedding with ${this.#provider.id} failed: ${messageOf(error)}`, {
            cause: error,
          });
      for (const item of batch) {
        this.#inflight.delete(item.key);
        item.reject(wrapped);
      }
    } finally {
      this.#running--;
      // Requests that queued up while this batch ran have already waited long enough.
      if (this.#queue.length > 0) {
        this.#clearTimer();
        void this.#runBatch();
      } else this.#notifyIdle();
    }
  }

  #check(vectors: Float32Array[], expected: number): void {
    if (!Array.isArray(vectors) || vectors.length !== expected) {
      throw new EmbedderError(
        `Embedding model ${this.#provider.id} returned ${Array.isArray(vectors) ? vectors.length : 'no'} vectors for ${expected} texts.`,
      );
    }
    const dims = this.#provider.dimensions;
    for (const vector of vectors) {
      if (!(vector instanceof Float32Array) || vector.length !== dims) {
        throw new EmbedderError(
          `Embedding model ${this.#provider.id} returned a vector of length ${vector?.length} but declares ${dims} dimensions; check embedder.dimensions in the config.`,
        );
      }
    }
  }

  #notifyIdle(): void {
    if (this.#running > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const wake of waiters) wake();
  }
}

/** Callers get copies, so mutating a result cannot poison the cache or another caller. */
function copy(vector: Float32Array): Float32Array {
  return vector.slice();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
