/**
 * Store factory: config → MemoryStore (unopened; the engine calls open() with its model).
 * One branch per store kind; unknown kinds fail with a ConfigError naming the valid ones.
 */
import type { StrataConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { InMemoryStore } from './memory/memory-store.ts';
import type { MemoryStore } from './types.ts';

export function createStore(config: StrataConfig): MemoryStore {
  const store = config.store;
  switch (store.kind) {
    case 'memory':
      return new InMemoryStore();
    // case 'qdrant': the Qdrant engineer adds its branch here.
    default:
      throw new ConfigError(
        `Store kind "${(store as { kind: string }).kind}" is not available; set store.kind to "sqlite", "memory" or "qdrant".`,
      );
  }
}
