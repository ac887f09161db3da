/**
 * Embedding contracts. A provider adapter is thin (load weights, embed a batch); the
 * shared core (embedders/core.ts) adds single-flight loading, a coalescing batch queue and
 * an LRU cache once for all providers.
 */

export interface EmbeddingProvider {
  /** Stable id recorded with every stored vector, e.g. "strata-static-256@1". */
  readonly id: string;
  readonly dimensions: number;
  readonly maxBatchSize: number;
  /** Whether several embed() calls may run at once (remote APIs: yes; in-process: no). */
  readonly supportsParallelCalls: boolean;
  /** Loads weights; throws ModelMissingError naming the path and how to get the model. */
  load(): Promise<void>;
  /** Unit-length vectors, one per text, in order. Called only after load() resolved. */
  embed(texts: string[]): Promise<Float32Array[]>;
  dispose?(): Promise<void>;
}

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

export interface Embedder {
  readonly id: string;
  readonly dimensions: number;
  readonly loaded: boolean;
  /** Single-flight: concurrent first calls share one load. */
  ready(): Promise<void>;
  embed(text: string): Promise<Float32Array>;
  embedMany(texts: string[]): Promise<Float32Array[]>;
  stats(): EmbedderStats;
  close(): Promise<void>;
}
