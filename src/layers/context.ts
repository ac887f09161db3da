/**
 * What the engine's parts share: config, store, embedder, clock and logger. Pipeline
 * functions (observe, recall, consolidate) take an EngineContext instead of reaching for
 * globals, so tests build one from an in-memory store and a fixed clock.
 */
import type { StrataConfig } from '../config/schema.ts';
import type { Embedder } from '../embedders/types.ts';
import type { MemoryStore } from '../stores/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

export interface EngineContext {
  config: StrataConfig;
  store: MemoryStore;
  embedder: Embedder;
  clock: Clock;
  logger: Logger;
}
