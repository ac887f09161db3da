/**
 * Options for QdrantStore instances in tests: a unique collection prefix per store (so
 * tests never share collections, even on a real server) and tiny backoff delays.
 */
import type { QdrantStoreOptions } from '../../src/stores/qdrant/store.ts';

let counter = 0;

export function uniquePrefix(): string {
  counter += 1;
  return `strata_test_${process.pid}_${Date.now().toString(36)}_${counter}`;
}

export function storeOptions(url: string, overrides: Partial<QdrantStoreOptions> = {}): QdrantStoreOptions {
  return {
    url,
    prefix: uniquePrefix(),
    timeoutMs: 5_000,
    retries: 2,
    minDelayMs: 5,
    maxDelayMs: 20,
    batchSize: 64,
    parallelism: 2,
    onDiskPayload: true,
    quantization: 'none',
    ...overrides,
  };
}
