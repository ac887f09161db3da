/**
 * Embedding contracts. A provider adapter is thin (load weights, embed a batch); the
 * shared core (embedders/core.ts) adds single-flight loading, a coalescing batch queue and
 * an LRU cache once for all providers.
 */

/** A model that turns texts into vectors; wrap one in your own {@link Embedder} or pass it through `deps.embedder`. */
export interface EmbeddingProvider {
  /** Stable id recorded with every stored vector, e.g. "strata-static-256@1". */
  readonly id: string;
  /** Length of each vector. */
  readonly dimensions: number;
  /** Most texts per embed() call. */
  readonly maxBatchSize: number;
  /** Whether several embed() calls may run at once (remote APIs: yes; in-process: no). */
  readonly supportsParallelCalls: boolean;
  /** Loads weights; throws ModelMissingError naming the path and how to get the model. */
  load(): Promise<void>;
  /** Unit-length vectors, one per text, in order. Called only after load() resolved. */
  embed(texts: string[]): Promise<Float32Array[]>;
  /** Frees the model (optional). */
  dispose?(): Promise<void>;
}

/** Counters of an {@link Embedder}: loads, batches, queue and cache. */
export interface EmbedderStats {
  model: string;
  dimensions: number;
  loaded: boolean;
  loadCount: number;
  loadMs: number | null;
  batches: number;
  embedded: number;
  queueDepth: number;
  cacheSize: number;
  cacheHits: number;
  cacheMisses: number;
  cacheHitRate: number;
}

/** An {@link EmbeddingProvider} wrapped for use: batching queue, LRU cache and single-flight loading. */
export interface Embedder {
  readonly id: string;
  readonly dimensions: number;
  /** Whether the model is loaded. */
  readonly loaded: boolean;
  /** Single-flight: concurrent first calls share one load. */
  ready(): Promise<void>;
  /** One unit-length vector for one text (batched with concurrent calls). */
  embed(text: string): Promise<Float32Array>;
  /** Vectors for several texts, in order. */
  embedMany(texts: string[]): Promise<Float32Array[]>;
  /** Current counters. */
  stats(): EmbedderStats;
  /** Waits for queued calls and frees the model. */
  close(): Promise<void>;
}
