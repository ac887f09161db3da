/**
 * The public engine surface: what createMemory() returns and what the HTTP server, CLI,
 * MCP server, Open WebUI filters, the proxy and the AI SDK middleware all call. Every
 * method validates its input with the zod schemas in types.ts and is scoped to one userId.
 */
import type { Readable } from 'node:stream';
import type { WriteGate } from '../layers/context.ts';
import type { EmotionCluster } from '../layers/emotional/clusters.ts';
import type { StoredBlob } from '../media/types.ts';
import type { ConsolidateOptions } from '../pipeline/consolidate.ts';
import type {
  ConsolidateResult,
  ExplainResult,
  FeedbackInput,
  FeedbackResult,
  ImportResult,
  LayerName,
  ListQuery,
  Memory,
  MemoryInput,
  MemoryPatch,
  MemoryStats,
  MemoryVersion,
  ObserveResult,
  Page,
  RecallRequest,
  RecallResult,
  SearchQuery,
  SearchResult,
  TurnInput,
} from '../types.ts';
import type { ChangeLog } from './change-log.ts';

/** Options of {@link StrataMemory.export}. */
export interface ExportOptions {
  /** Include prior versions as extra lines ("kind":"version"). Default true. */
  includeHistory?: boolean;
  /** Include each memory's vector (base64 float32) so an import needs no re-embedding. Default false. */
  includeVectors?: boolean;
  /** Include the user's images and recordings ("kind":"media" lines, base64). Default true. */
  includeMedia?: boolean;
}

export type { ProducedWrite, WriteGate } from '../layers/context.ts';

/** Options of the writing methods (add, addMany, update, rollback, observeTurn, import). */
export interface WriteOptions {
  /**
   * Admits every store write of the call that produces or grows memories, with what it adds
   * per user, at the moment of writing (the server's quotas): it throws to refuse the write
   * whole. A turn's memories across layers are one write.
   */
  gate?: WriteGate;
}

/** Options of {@link StrataMemory.import}. */
export interface ImportOptions extends WriteOptions {
  /** Every line must belong to this user (an import for one user cannot write another's). */
  userId?: string;
  /** With userId: move lines of any user to userId instead of rejecting them. */
  reassign?: boolean;
}

/** Progress of {@link StrataMemory.reembed}: memories re-embedded so far, of the total. */
export interface ReembedProgress {
  /** Memories re-embedded so far. */
  done: number;
  /** Memories to re-embed in all. */
  total: number;
}

/** The memory engine that {@link createMemory} returns. Every call is scoped to one `userId`; a memory of another user is reported exactly like a missing one ({@link NotFoundError}). */
export interface StrataMemory {
  /** Stores one memory (embedded first) and returns it with its id, version 1 and timestamps. */
  add(input: MemoryInput, options?: WriteOptions): Promise<Memory>;
  /** Stores several memories in one batch (one embedding call, one transaction); all or nothing. */
  addMany(inputs: MemoryInput[], options?: WriteOptions): Promise<Memory[]>;
  /** One memory of `userId`; {@link NotFoundError} if it does not exist or is another user's. */
  get(userId: string, id: string): Promise<Memory>;
  /** A page of the user's memories, newest first, filtered by layer, time range and metadata; pass `nextCursor` back for the next page. */
  list(query: ListQuery): Promise<Page<Memory>>;
  /** Writes a new version (content, metadata, importance); re-embeds when the content changes. The old version stays in the history. */
  update(userId: string, id: string, patch: MemoryPatch, options?: WriteOptions): Promise<Memory>;
  /** Deletes one memory and its history. */
  delete(userId: string, id: string): Promise<void>;
  /** Every version of one memory, oldest first. */
  history(userId: string, id: string): Promise<MemoryVersion[]>;
  /** Restores the content of an earlier version as a new version. */
  rollback(userId: string, id: string, version: number, options?: WriteOptions): Promise<Memory>;
  /** Hybrid (vector + BM25 keyword) search over the user's memories, or one of the two with `mode`; results carry their score and signals. */
  search(query: SearchQuery): Promise<SearchResult[]>;

  /** Files one chat turn through the memory layers (episodic, semantic, emotional, temporal, associative, symbolic) and reports what was stored or updated. Idempotent per turn. */
  observeTurn(turn: TurnInput, options?: WriteOptions): Promise<ObserveResult>;
  /** The framed `<memory_context>` block (within a token budget) and the ranked memories for the last user message, ready to prepend to a prompt. */
  recall(request: RecallRequest): Promise<RecallResult>;
  /**
   * Why recall would give what it gives for this request, without touching anything (a dry
   * run): the block, every ranked memory with its score, signals, its layer's learned weight
   * and its ratings, and the learner's state behind the weights.
   */
  explain(request: RecallRequest): Promise<ExplainResult>;
  /**
   * Feedback on recalled memories of `userId`: 'useful' reinforces them, 'not_useful' only
   * teaches the learner, 'wrong' demotes them at once (left out of later blocks). Each is a
   * new version; the user's learned layer weights move (unless learning.enabled is false).
   * {@link NotFoundError} (and nothing written) when any id is missing or another user's.
   */
  feedback(input: FeedbackInput): Promise<FeedbackResult>;
  /** Runs the maintenance jobs (dedupe, conflicts, summarize, replay, retention) for one user or all; returns counts per job. */
  consolidate(options?: ConsolidateOptions): Promise<ConsolidateResult>;
  /**
   * Ends the sessions idle for longer than layers.sessionSummaries.gapMinutes and writes
   * every queued session summary now, instead of in the background; returns how many were
   * written and how many are still queued (0 unless a job failed).
   */
  flushSummaries(): Promise<{ written: number; pending: number }>;
  /** The user's emotional themes: emotional memories clustered by their emotion vectors. */
  emotionClusters(userId: string): Promise<EmotionCluster[]>;

  /** NDJSON, one memory per line with all fields and original timestamps. */
  export(userId: string, options?: ExportOptions): Readable;
  /** Validates every line first; all or nothing; idempotent. */
  import(ndjson: string | Readable, options?: ImportOptions): Promise<ImportResult>;
  /** Deletes all of a user's memories, history and media blobs; returns how many memories went. */
  deleteUser(userId: string): Promise<number>;
  /** The ids of every user with memories, sorted (admin tooling: the inspector's user picker). */
  users(): Promise<string[]>;
  /**
   * One image or recording of `userId` by its id (the sha256 in a memory's
   * `metadata.media[].id` and in recall lines): its bytes, type and what was learned from it.
   * {@link NotFoundError} when it is missing or another user's.
   */
  getMedia(userId: string, id: string): Promise<StoredBlob>;
  /** Counts per layer, store and embedder figures, for one user or the whole store. */
  stats(userId?: string): Promise<MemoryStats>;
  /** Re-embeds every memory with the configured embedder (after a model change; see model_mismatch). */
  reembed(onProgress?: (progress: ReembedProgress) => void): Promise<{ reembedded: number }>;
  /** Writes a consistent copy of the store to `destination` and returns its path. */
  backup(destination: string): Promise<string>;
  /** Re-encrypts everything under encryption.key; old keys must be in encryption.previousKeys. */
  rotateKeys(): Promise<{ rewritten: number }>;
  /** Store open and embedder loaded. */
  ready(): Promise<void>;
  /** Whether {@link StrataMemory.ready} has completed. */
  readonly isReady: boolean;
  /** Flushes queued work and closes the store and the embedder; later calls fail with {@link ClosedError}. */
  close(): Promise<void>;
  /** The layers enabled by the configuration. */
  readonly layers: readonly LayerName[];
  /** The signed change log behind every write, and what sync and `strata verify` do with it (SQLite store). */
  readonly changeLog: ChangeLog;
}
