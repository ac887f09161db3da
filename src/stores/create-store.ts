/**
 * Store factory: config → MemoryStore. (Stub until the store work lands.)
 */
import type { StrataConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { MemoryStore } from './types.ts';

export function createStore(config: StrataConfig): MemoryStore {
  throw new ConfigError(`Store kind "${config.store.kind}" is not implemented yet.`);
}
