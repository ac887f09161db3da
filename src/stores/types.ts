/**
 * The storage contract. A MemoryStore keeps memories, their vectors (tagged with the model
 * that made them) and every prior version; it answers filtered vector and keyword queries
 * for exactly one user at a time. Stores are dumb about layers and scoring: fusion,
 * ranking and dynamics live above them, so SQLite, in-memory and Qdrant rank alike.
 * Every store passes test-support/stores/store-suite.ts.
 */
import type { LogEntry } from '../security/log-entry.ts';
import type { KeywordQuery } from '../text/query-ast.ts';
import type { LayerName, Memory, MemoryVersion, Page, VersionOp } from '../types.ts';

export interface StoredRecord {
  memory: Memory;
  /** Unit-length embedding of memory.content made by memory.embeddingModel; null: none. */
  vector: Float32Array | null;
}

/** Always scoped to one user; every query a store runs carries this filter. */
export interface StoreFilter {
  userId: string;
  layers?: LayerName[];
  /** Inclusive UTC ISO bounds on createdAt. */
  since?: string;
  until?: string;
  /** Equality on top-level metadata keys. */
  metadata?: Record<string, unknown>;
  /** Default false: superseded memories are hidden from search. */
  includeSuperseded?: boolean;
  /** Restrict to these ids. */
  ids?: string[];
}

export interface ScoredId {
  id: string;
  /** Higher is better. Vector: cosine similarity. Keyword: BM25-style, positive. */
  score: number;
}

export interface ModelInfo {
  id: string;
  dimensions: number;
}

export interface OpenOptions {
  model: ModelInfo;
  /** Re-embedding opens a store whose vectors came from another model; nothing else may. */
  allowModelChange?: boolean;
}

export interface UpdateChange {
  /** The full next state; memory.version must be exactly the stored version + 1. */
  memory: Memory;
  /** New vector when content changed; undefined keeps the stored one. */
  vector?: Float32Array | null;
  op: VersionOp;
}

/**
 * One all-or-nothing write: inserts (version 1 snapshots, op 'create') then updates (a
 * snapshot each, optimistic version check). Updates target memories stored before the
 * batch; an id both inserted and updated in one batch is a ValidationError.
 */
export interface CommitBatch {
  insert?: StoredRecord[];
  update?: UpdateChange[];
}

export interface StoreUserStats {
  memories: number;
  versions: number;
  bytes: number;
  byLayer: Partial<Record<LayerName, { count: number; bytes: number }>>;
}

export interface StoreStats extends StoreUserStats {
  users: number;
}

/** Optional features a store declares; the conformance suite skips tests for missing ones. */
export interface StoreCapabilities {
  /** keywordSearch supports prefix* terms. */
  prefix?: boolean;
  /** keywordSearch supports fuzzy~ terms. */
  fuzzy?: boolean;
  /** Data survives a new instance on the same location. */
  persistent?: boolean;
}

/** Where memories, vectors and versions live (SQLite, in-memory, Qdrant, or your own through `deps.store`). Every read and write is scoped to one user. */
export interface MemoryStore {
  readonly kind: string;
  /** Absent means no optional features (no prefix/fuzzy keyword terms). */
  readonly capabilities?: StoreCapabilities;
  /** File path or URL, for stats and error messages. */
  readonly location: string;

  /** Creates/migrates schema; refuses (ModelMismatchError) vectors of another model. */
  open(options: OpenOptions): Promise<void>;
  /** Flushes and closes the store. */
  close(): Promise<void>;
  /** The model id recorded for stored vectors (null when the store has none yet). */
  storedModel(): Promise<ModelInfo | null>;

  /** Inserts new memories with version 1 snapshots, all or nothing (ConflictError on a taken id). */
  insert(records: StoredRecord[], op?: VersionOp): Promise<void>;
  /** Applies updates with a version snapshot each, all or nothing (ConflictError on a stale version). */
  update(changes: UpdateChange[]): Promise<void>;
  /**
   * Applies a batch of inserts and updates all or nothing (ConflictError on a taken id or a
   * stale version, and nothing is written): one transaction where the engine has them,
   * validate-then-write with compensation (best effort) where it does not (Qdrant).
   */
  commit(batch: CommitBatch): Promise<void>;
  /**
   * Import path: writes memories exactly as given (ids, timestamps, version) plus their
   * history, replacing what is there for those ids; all or nothing.
   */
  restore(records: StoredRecord[], history: MemoryVersion[]): Promise<void>;

  /** One memory of the user, or null. */
  get(userId: string, id: string): Promise<Memory | null>;
  /** The memories of the user among `ids` (others are skipped). */
  getMany(userId: string, ids: string[]): Promise<Memory[]>;
  /** The stored vectors of those memories, by id. */
  getVectors(userId: string, ids: string[]): Promise<Map<string, Float32Array>>;
  /** Ordered by (createdAt, id) ascending; cursor is opaque. */
  list(filter: StoreFilter, page: { limit: number; cursor?: string }): Promise<Page<Memory>>;
  /**
   * Optional fast path: the newest createdAt among memories passing the filter, null when
   * none. Callers fall back to paging list() when a store lacks it.
   */
  latestCreatedAt?(filter: StoreFilter): Promise<string | null>;
  /** Every version of one memory, oldest first. */
  history(userId: string, id: string): Promise<MemoryVersion[]>;

  /** Nearest memories by cosine similarity within the filter. */
  vectorSearch(filter: StoreFilter, vector: Float32Array, k: number): Promise<ScoredId[]>;
  /** Best BM25 keyword matches within the filter. */
  keywordSearch(filter: StoreFilter, query: KeywordQuery, k: number): Promise<ScoredId[]>;

  /** Access reinforcement: accessCount += 1, lastAccessedAt = at, strength += boost. No version. */
  touch(userId: string, ids: string[], at: string, strengthBoost?: number): Promise<void>;
  /** Hard delete of memories and their history. Returns how many existed. */
  delete(userId: string, ids: string[]): Promise<number>;
  /** Deletes every memory and version of the user; returns the count. */
  deleteUser(userId: string): Promise<number>;

  /** The ids of every user with memories. */
  users(): Promise<string[]>;
  /** Counts and sizes, for one user or all. */
  stats(userId?: string): Promise<StoreStats>;
  /** Streams every record (with vector) in batches: export, re-embed, migrate. */
  scan(options: { userId?: string; batchSize?: number }): AsyncIterable<StoredRecord[]>;
  /** Replaces vectors (re-embed) and records the new model, all or nothing. */
  replaceVectors(
    items: Array<{ userId: string; id: string; vector: Float32Array }>,
    model: ModelInfo,
  ): Promise<void>;

  /**
   * Small JSON values kept per user beside the memories (the learner's layer weights), by
   * key; userId '' holds values shared by all users (the learner's global prior). Optional
   * capability: without it the engine keeps them in process only. deleteUser removes them.
   */
  getState?(userId: string, key: string): Promise<unknown>;
  /** Stores (replaces) one state value of a user under `key`. */
  putState?(userId: string, key: string, value: unknown): Promise<void>;
  /** Every state entry of one user (export). */
  listState?(userId: string): Promise<Array<{ key: string; value: unknown }>>;
  /** The ids of every user with a state entry under `key` (the global prior's fit). */
  stateUsers?(key: string): Promise<string[]>;
  /** Consistent online copy to a file/snapshot name; optional capability. */
  backup?(destination: string): Promise<string>;
  /** Re-encrypts every row under the current key (after a key change); optional capability. */
  rotateKeys?(): Promise<number>;
  /** The signed change log and sync (SQLite); optional capability, present once open. */
  readonly changeLog?: ChangeLogStore | undefined;
}

/** The last entry of one author's chain for one user (seq 0: none yet). */
export interface ChainHead {
  instanceId: string;
  seq: number;
  hash: string;
}

/** One page of a user's change log in arrival order, from an opaque cursor. */
export interface LogPage {
  entries: LogEntry[];
  /** Where the next page starts; pass it back as `after`. */
  cursor: string;
  /** Whether more entries follow this page. */
  more: boolean;
  /** The cursor given did not match this log (it was rebuilt): the page starts from the beginning. */
  reset: boolean;
}

/** What applying a batch of a peer's entries did. */
export interface LogApplyResult {
  /** New entries added to the log. */
  applied: number;
  /** Entries already held (same hash): nothing done. */
  duplicates: number;
  /** Memories whose state changed (written, replaced or deleted). */
  changed: number;
  /** Memories left unmaterialized because their payload is sealed under a key this instance lacks. */
  sealed: number;
}

/** Why a log does not verify. */
export const LOG_PROBLEMS = [
  'tampered',
  'signature',
  'truncated',
  'fork',
  'pruned',
  'state',
  'untrusted',
] as const;

/** One break found by a change-log check. */
export interface LogProblem {
  reason: (typeof LOG_PROBLEMS)[number];
  userId: string;
  instanceId?: string;
  seq?: number;
  memoryId?: string;
  message: string;
}

/** What `strata verify` reports: counts, and every break found (the first one first). */
export interface LogVerifyReport {
  ok: boolean;
  users: number;
  chains: number;
  entries: number;
  memories: number;
  problems: LogProblem[];
}

/** Fingerprints that are equal on two instances exactly when they hold the same log and state. */
export interface LogDigest {
  entries: number;
  memories: number;
  /** SHA-256 over every entry hash, sorted. */
  log: string;
  /** SHA-256 over every memory and version as materialized (minus local access counts and model). */
  state: string;
}

/**
 * The signed change log (the SQLite store keeps one): every write appends an entry in the
 * same transaction; peers' entries are verified and applied here, and the memory state is
 * rebuilt from the entries (stores/shared/log-state.ts), so every instance holding the same
 * entries holds the same memories.
 */
export interface ChangeLogStore {
  /** This instance's id and public key (after open). */
  identity(): { instanceId: string; publicKey: string };
  /** Signs a message with the instance key (sync handshakes). */
  sign(message: string): string;
  /** Users with at least one entry. */
  users(): Promise<string[]>;
  /** The head of every author's chain for the user. */
  heads(userId: string): Promise<ChainHead[]>;
  /**
   * Entries of one user in arrival order after `after` (a cursor from an earlier page), up to
   * `limit` scanned; those at or below `have[author]` (the reader holds them) are left out.
   */
  read(
    userId: string,
    after: string | undefined,
    limit: number,
    have?: Record<string, number>,
  ): Promise<LogPage>;
  /** The hash of the entry at each (author, seq) position, null where none is held. */
  hashesAt(
    userId: string,
    positions: Array<{ instanceId: string; seq: number }>,
  ): Promise<Array<string | null>>;
  /** Public keys known for these authors (this instance's own included). */
  publicKeys(instanceIds: string[]): Promise<Record<string, string>>;
  /** Records a public key for an author (the id must be the key's fingerprint; an id keeps its first key). */
  pinKey(instanceId: string, publicKey: string, source: string): Promise<void>;
  /**
   * Checks a peer's entries for one user (hashes, signatures against known or given keys,
   * chain links: IntegrityError on a fork or gap) and returns the contents whose state
   * they would write and that have no vector here yet.
   */
  contentsToEmbed(userId: string, entries: LogEntry[], keys: Record<string, string>): Promise<string[]>;
  /** Checks and applies a peer's entries for one user in one transaction (duplicates skipped). */
  apply(
    userId: string,
    entries: LogEntry[],
    keys: Record<string, string>,
    vectors: Map<string, Float32Array>,
    via: string,
  ): Promise<LogApplyResult>;
  /** Walks every chain and every memory's state (`strata verify`). */
  verify(userId?: string): Promise<LogVerifyReport>;
  /** Fingerprints of the log and the state, for one user or all. */
  digest(userId?: string): Promise<LogDigest>;
  /** Small JSON values per peer and user (cursors, the heads the peer last showed); null when unset. */
  peerState(peer: string, userId: string, key: string): Promise<unknown>;
  /** Stores (replaces; null removes) one such value. */
  putPeerState(peer: string, userId: string, key: string, value: unknown): Promise<void>;
}
