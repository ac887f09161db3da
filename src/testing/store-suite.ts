/**
 * The store conformance suite every MemoryStore runs. (Stub until the store work lands.)
 */
import type { MemoryStore } from '../stores/types.ts';

export interface StoreSuiteOptions {
  /** Why the suite is skipped (e.g. "QDRANT_URL is not set"); undefined runs it. */
  skipReason?: string | undefined;
}

export function runStoreSuite(
  _name: string,
  _factory: () => Promise<MemoryStore>,
  _options: StoreSuiteOptions = {},
): void {}
