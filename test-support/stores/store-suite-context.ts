/**
 * The types the store suite and its case files share (kept apart from store-suite.ts so the
 * case files, which the suite imports, need not import the suite back).
 */
import type { MemoryStore } from '../../src/stores/types.ts';

export interface StoreSuiteOptions {
  /** Why the suite is skipped (e.g. "QDRANT_URL is not set"); undefined runs it. */
  skipReason?: string | undefined;
  /** Removes what the store left behind (files, collections); runs after close(). */
  cleanup?: ((store: MemoryStore) => Promise<void>) | undefined;
  /** A NEW unopened instance over the same data; enables the reopen/persistence tests. */
  reopen?: ((store: MemoryStore) => Promise<MemoryStore>) | undefined;
}

/** What each case sees: the current store (opened with MODEL_A) and the suite options. */
export interface SuiteContext {
  readonly store: MemoryStore;
  readonly options: StoreSuiteOptions;
  /** Closes the current store and continues with `next` (it becomes `store`). */
  swap(next: MemoryStore): void;
  supports(feature: 'prefix' | 'fuzzy'): boolean;
}
