/**
 * The public engine surface: what createMemory() returns and what the HTTP server, CLI,
 * MCP server, Open WebUI filters, the proxy and the AI SDK middleware all call. Every
 * method validates its input with the zod schemas in types.ts and is scoped to one userId.
 */
import type { Readable } from 'node:stream';
import type { EmotionCluster } from '../layers/emotional/clusters.ts';
import type { ConsolidateOptions } from '../pipeline/consolidate.ts';
import type {
  ConsolidateResult,
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

export interface ExportOptions {
  /** Include prior versions as extra lines ("kind":"version"). Default true. */
  includeHistory?: boolean;
  /** Include each memory's vector (base64 float32) so an import needs no re-embedding. Default false. */
  includeVectors?: boolean;
}

export interface ImportOptions {
  /** Every line must belong to this user (an import for one user cannot write another's). */
  userId?: string;
  /** With userId: move lines of any user to userId instead of rejecting them. */
  reassign?: boolean;
}

export interface ReembedProgress {
  done: number;
  total: number;
}

export interface StrataMemory {
  add(input: MemoryInput): Promise<Memory>;
  addMany(inputs: MemoryInput[]): Promise<Memory[]>;
  get(userId: string, id: string): Promise<Memory>;
  list(query: ListQuery): Promise<Page<Memory>>;
  update(userId: string, id: string, patch: MemoryPatch): Promise<Memory>;
  delete(userId: string, id: string): Promise<void>;
  history(userId: string, id: string): Promise<MemoryVersion[]>;
  rollback(userId: string, id: string, version: number): Promise<Memory>;
  search(query: SearchQuery): Promise<SearchResult[]>;

  observeTurn(turn: TurnInput): Promise<ObserveResult>;
  recall(request: RecallRequest): Promise<RecallResult>;
  consolidate(options?: ConsolidateOptions): Promise<ConsolidateResult>;
  emotionClusters(userId: string): Promise<EmotionCluster[]>;

  /** NDJSON, one memory per line with all fields and original timestamps. */
  export(userId: string, options?: ExportOptions): Readable;
  /** Validates every line first; all or nothing; idempotent. */
  import(ndjson: string | Readable, options?: ImportOptions): Promise<ImportResult>;
  deleteUser(userId: string): Promise<number>;
  stats(userId?: string): Promise<MemoryStats>;
  reembed(onProgress?: (progress: ReembedProgress) => void): Promise<{ reembedded: number }>;
  backup(destination: string): Promise<string>;
  /** Re-encrypts everything under encryption.key; old keys must be in encryption.previousKeys. */
  rotateKeys(): Promise<{ rewritten: number }>;
  /** Store open and embedder loaded. */
  ready(): Promise<void>;
  readonly isReady: boolean;
  close(): Promise<void>;
  readonly layers: readonly LayerName[];
}
