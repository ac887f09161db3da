/**
 * Strata's public API: `createMemory()` and the types and errors a caller needs. Named
 * exports only; everything else under src/ is internal and may change.
 */

export { type LoadConfigOptions, loadConfig } from './config/load.ts';
export {
  ConfigSchema,
  type EmbedderConfig,
  type MediaConfig,
  type StoreConfig,
  type StrataConfig,
  type StrataConfigInput,
  type SyncConfig,
  type SyncPeerConfig,
} from './config/schema.ts';
export type { Embedder, EmbeddingProvider } from './embedders/types.ts';
export type { ChangeLog, InstanceInfo, LogPageWithKeys } from './engine/change-log.ts';
export { createMemory, type MemoryDeps } from './engine/engine.ts';
export type {
  ExportOptions,
  ImportOptions,
  ProducedWrite,
  ReembedProgress,
  StrataMemory,
  WriteGate,
  WriteOptions,
} from './engine/strata-memory.ts';
export {
  ClosedError,
  ConfigError,
  ConflictError,
  EmbedderError,
  ERROR_CODES,
  type ErrorCode,
  ForbiddenError,
  IntegrityError,
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
export type { EmotionCluster } from './layers/emotional/clusters.ts';
export type {
  BlobInfo,
  BlobStore,
  MediaAnalysis,
  MediaKind,
  MediaRef,
  StoredBlob,
  TranscriptSegment,
} from './media/types.ts';
export type { ConsolidateOptions } from './pipeline/consolidate.ts';
export type {
  ChainHead,
  ChangeLogStore,
  LogApplyResult,
  LogDigest,
  LogPage,
  LogProblem,
  LogVerifyReport,
  MemoryStore,
} from './stores/types.ts';
export { findTimeExpression, resolveTimeRange } from './text/time-filter.ts';
export {
  type ChatMessage,
  type ConsolidateResult,
  type ExplainLine,
  type ExplainResult,
  FEEDBACK_RATINGS,
  type FeedbackInput,
  type FeedbackRating,
  type FeedbackResult,
  type ImportResult,
  LAYERS,
  type LayerName,
  type LearningExplained,
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
  type SummaryStats,
  type TurnInput,
  type UserLearningStats,
} from './types.ts';
export { type Clock, fixedClock, systemClock } from './util/clock.ts';
