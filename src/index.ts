/**
 * Strata's public API: `createMemory()` and the types and errors a caller needs. Named
 * exports only; everything else under src/ is internal and may change.
 */
export type {
  ConsolidateOptions,
  EmotionCluster,
  ExportOptions,
  ImportOptions,
  ReembedProgress,
  StrataMemory,
} from './api.ts';
export { type LoadConfigOptions, loadConfig } from './config/load.ts';
export {
  ConfigSchema,
  type EmbedderConfig,
  type StoreConfig,
  type StrataConfig,
  type StrataConfigInput,
} from './config/schema.ts';
export type { Embedder, EmbeddingProvider } from './embedders/types.ts';
export {
  ClosedError,
  ConfigError,
  ConflictError,
  EmbedderError,
  ERROR_CODES,
  type ErrorCode,
  ForbiddenError,
  MemoryError,
  ModelMismatchError,
  ModelMissingError,
  NotFoundError,
  PayloadTooLargeError,
  QuotaExceededError,
  RateLimitedError,
  StoreUnavailableError,
  UnauthorizedError,
  UpstreamError,
  ValidationError,
} from './errors.ts';
export { createMemory, type MemoryDeps } from './memory.ts';
export { findTimeExpression, resolveTimeRange } from './search/time-filter.ts';
export type { MemoryStore } from './stores/types.ts';
export {
  type ChatMessage,
  type ConsolidateResult,
  type ImportResult,
  LAYERS,
  type LayerName,
  type ListQuery,
  type Memory,
  type MemoryInput,
  type MemoryPatch,
  type MemoryStats,
  type MemoryVersion,
  type ObserveResult,
  type Page,
  type RecallRequest,
  type RecallResult,
  type SearchQuery,
  type SearchResult,
  type TurnInput,
} from './types.ts';
export { type Clock, fixedClock, systemClock } from './util/clock.ts';
