/**
 * The embedded default store: one SQLite file (better-sqlite3 12) holding memories, full
 * JSON snapshots of every version, float32 vectors tagged with their model, an FTS5 keyword
 * index (BM25) and a meta table with the store's embedding model. Vector search runs on an
 * in-process index loaded at open and updated after every committed write (and reloaded
 * when another process committed). Every multi-row write is one transaction; updates are
 * optimistic (expected version). Content, metadata and snapshots are encrypted when a
 * Cipher is given (keyword search then runs on a blind index). Keyword search runs either
 * on FTS5 or (keywordIndex 'memory') on an in-process per-user inverted index, built in
 * the background after open (finished by the first keyword search if that comes sooner)
 * and then kept in sync at the same points as the vector index
 * (stores/keyword-index). This class orchestrates by concern: SQL reads in sqlite-reads.ts,
 * row writes in sqlite-writes.ts, key checks, re-indexing and rotation in
 * sqlite-maintenance.ts, the in-process indexes and their builds in sqlite-indexes.ts,
 * search in sqlite-search.ts.
 */
import { dirname, join } from 'node:path';
import { ClosedError, ConfigError, ConflictError, ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import {
  ephemeralIdentity,
  type InstanceIdentity,
  loadOrCreateIdentity,
} from '../../security/instance-key.ts';
import type { KeywordQuery } from '../../text/query-ast.ts';
import type { Memory, MemoryVersion, Page, VersionOp } from '../../types.ts';
import { canonicalJson } from '../../util/canonical-json.ts';
import { type Clock, systemClock } from '../../util/clock.ts';
import { checkCommitBatch, checkVector, modelMismatch, versionOf } from '../shared/records.ts';
import type {
  CommitBatch,
  MemoryStore,
  ModelInfo,
  OpenOptions,
  ScoredId,
  StoreCapabilities,
  StoredRecord,
  StoreFilter,
  StoreStats,
  UpdateChange,
} from '../types.ts';
import type { Precision } from '../vector-index/vector-index.ts';
import { SqliteChangeLog } from './change-log.ts';
import { backfillLog } from './change-log-backfill.ts';
import { WalCheckpointer } from './checkpointer.ts';
import { ensureLookupIndexes } from './lookup-indexes.ts';
import { migrate } from './migrations.ts';
import { openDatabase } from './open-db.ts';
import { SqliteConnection } from './sqlite-connection.ts';
import { SqliteIndexes } from './sqlite-indexes.ts';
import { checkKeys, markFtsNotKept, reindexAll, rotateKeys, syncFts } from './sqlite-maintenance.ts';
import * as reads from './sqlite-reads.ts';
import { ftsKeywordSearch, memoryKeywordSearch, type SearchContext, vectorSearch } from './sqlite-search.ts';
import { deleteRow, writeRow, writeVector, writeVersion } from './sqlite-writes.ts';

export interface SqliteStoreOptions {
  path: string;
  busyTimeoutMs?: number;
  vectorPrecision?: Precision;
  synchronous?: 'normal' | 'full';
  /** Encrypts content/metadata/snapshots at rest; null/undefined stores plaintext. */
  cipher?: Cipher | null;
  /** Where keyword search runs: the in-process per-user index (default) or FTS5. */
  keywordIndex?: 'memory' | 'fts5';
  /** The instance key file (created on first open); default instance-key.pem beside the database. */
  identityFile?: string;
  /** Or the identity itself (tests); ':memory:' stores get a fresh one per open. */
  identity?: InstanceIdentity;
  /** Stamps change-log entries (default: the system clock). */
  clock?: Clock;
  /** WAL checkpoints in a worker thread once the store has written a while (default true; checkpointer.ts). */
  backgroundCheckpoint?: boolean;
}

export class SqliteStore implements MemoryStore {
  readonly kind = 'sqlite';
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  private c: SqliteConnection | null = null;
  private model: ModelInfo | null = null;
  private readonly cipher: Cipher | null;
  private readonly indexes: SqliteIndexes;
  private log: SqliteChangeLog | null = null;
  private checkpointer: WalCheckpointer | null = null;
  /** data_version when the FTS table was last checked against the keyword mode (fts5 mode). */
  private ftsVersion = -1;
  /** Whether meta names the model (read once per connection, not per written row). */
  private modelRecorded = false;
  /** Set by a write in the open transaction that recorded or found the model; kept on commit. */
  private modelPending = false;

  constructor(private readonly options: SqliteStoreOptions) {
    this.location = options.path;
    this.cipher = options.cipher ?? null;
    this.indexes = new SqliteIndexes(this.cipher, options.vectorPrecision ?? 'float32');
    const plain = this.cipher === null;
    this.capabilities = { prefix: plain, fuzzy: plain, persistent: options.path !== ':memory:' };
  }

  // ---- lifecycle ----------------------------------------------------------------------

  async open(options: OpenOptions): Promise<void> {
    if (this.c) await this.close();
    const db = openDatabase({
      path: this.options.path,
      busyTimeoutMs: this.options.busyTimeoutMs ?? 5_000,
      synchronous: this.options.synchronous ?? 'normal',
    });
    const c = new SqliteConnection(db, this.location);
    this.c = c;
    if (this.options.path !== ':memory:' && this.options.backgroundCheckpoint !== false) {
      this.checkpointer = new WalCheckpointer(db, this.options.path);
    }
    try {
      migrate({ db, reindexAll: () => reindexAll(c, this.cipher) }, this.location);
      ensureLookupIndexes(c);
      checkKeys(c, this.cipher);
      this.checkModel(c, options);
      syncFts(c, this.cipher, this.keywordMode);
      this.ftsVersion = c.dataVersion();
      this.modelRecorded = false;
      this.model = { ...options.model };
      this.log = new SqliteChangeLog(c, this.cipher, this.identity(), this.options.clock ?? systemClock, {
        transaction: (fn) => this.txWrite(fn),
        writeMemory: (memory, vector, mode) => this.write(memory, vector, mode),
        removeMemory: (rowid) => deleteRow(c, rowid),
        indexed: (changed, removed) => this.indexSynced(changed, removed),
        modelId: () => this.model?.id ?? 'unknown',
      });
      backfillLog(c, this.cipher, this.log);
      this.indexes.loadVectors(c, this.model.dimensions);
      if (this.keywordMode === 'memory') this.indexes.buildKeywordsInBackground(c);
    } catch (error) {
      c.close();
      this.c = null;
      this.log = null;
      this.checkpointer = null;
      throw error;
    }
  }

  /** The signed change log (present once open). */
  get changeLog(): SqliteChangeLog | undefined {
    return this.log ?? undefined;
  }

  private identity(): InstanceIdentity {
    if (this.options.identity) return this.options.identity;
    if (this.options.path === ':memory:' && !this.options.identityFile) return ephemeralIdentity();
    return loadOrCreateIdentity(
      this.options.identityFile ?? join(dirname(this.options.path), 'instance-key.pem'),
    );
  }

  private appendLog(
    userId: string,
    op: Parameters<SqliteChangeLog['append']>[1],
    memoryId: string,
    body: Parameters<SqliteChangeLog['append']>[3],
  ): void {
    const log = this.log!;
    log.markHead(memoryId, log.append(userId, op, memoryId, body));
  }

  /** After a sync batch committed: the in-process indexes take what it changed. */
  private indexSynced(
    changed: Array<{ memory: Memory; vector: Float32Array | null | undefined }>,
    removed: Array<{ userId: string; id: string }>,
  ): void {
    for (const { memory, vector } of changed) this.indexes.indexMemory(memory, vector);
    const byUser = new Map<string, string[]>();
    for (const { userId, id } of removed) byUser.set(userId, [...(byUser.get(userId) ?? []), id]);
    for (const [userId, ids] of byUser) this.indexes.removed(userId, ids);
  }

  /** Refuses vectors of another model (meta, or per-row tags after an interrupted re-embed). */
  private checkModel(c: SqliteConnection, options: OpenOptions): void {
    const stored = this.readModel();
    const vectors = (c.stmt('SELECT COUNT(*) AS n FROM vectors').get() as { n: number }).n;
    if (stored && vectors > 0 && stored.id !== options.model.id && !options.allowModelChange) {
      throw modelMismatch(stored, options.model, this.location);
    }
    const foreign = c
      .stmt('SELECT model, dims FROM vectors WHERE model != ? LIMIT 1')
      .get(options.model.id) as { model: string; dims: number } | undefined;
    if (foreign && !options.allowModelChange) {
      throw modelMismatch({ id: foreign.model, dimensions: foreign.dims }, options.model, this.location);
    }
    if (stored && vectors === 0 && stored.id !== options.model.id) c.writeMeta('embedding_model', null);
  }

  private get keywordMode(): 'memory' | 'fts5' {
    return this.options.keywordIndex ?? 'memory';
  }

  /**
   * Runs a write transaction and then applies its rows to the keyword index. In memory
   * keyword mode the FTS table is not kept: each write transaction says so in meta, so a
   * process beside this one that searches with FTS5 rebuilds it before its next search.
   */
  private txWrite<T>(fn: () => T): T {
    const c = this.conn();
    this.modelPending = false;
    const out = this.indexes.afterCommit(() =>
      c.tx(() => {
        if (this.keywordMode === 'memory') markFtsNotKept(c);
        return fn();
      }),
    );
    if (this.modelPending) this.modelRecorded = true;
    this.checkpointer?.wrote();
    return out;
  }

  /** Whether a restore writes exactly the state already stored (ignoring local access counts). */
  private sameState(memory: Memory, versions: MemoryVersion[]): boolean {
    const c = this.conn();
    const current = reads.getOne(c, this.cipher, memory.userId, memory.id);
    if (!current) return false;
    const strip = ({ accessCount, lastAccessedAt, strength, embeddingModel, ...rest }: Memory) => rest;
    const stored = reads.historyOf(c, this.cipher, memory.userId, memory.id);
    return (
      canonicalJson(strip(current)) === canonicalJson(strip(memory)) &&
      canonicalJson(stored) === canonicalJson(versions)
    );
  }

  async close(): Promise<void> {
    this.log = null;
    this.indexes.clear();
    const c = this.c;
    this.c = null;
    // The worker's connection first: the store's own is then the last, whose close
    // checkpoints the WAL into the file and removes it.
    const checkpointer = this.checkpointer;
    this.checkpointer = null;
    await checkpointer?.close();
    c?.close();
  }

  async storedModel(): Promise<ModelInfo | null> {
    this.conn();
    return this.readModel();
  }

  private conn(): SqliteConnection {
    if (!this.c)
      throw new ClosedError(`The SQLite store at ${this.location} is not open; call open() first.`);
    return this.c;
  }

  private readModel(): ModelInfo | null {
    const raw = this.conn().readMeta('embedding_model');
    return raw ? (JSON.parse(raw) as ModelInfo) : null;
  }

  // ---- writes -------------------------------------------------------------------------

  private write(
    memory: Memory,
    vector: Float32Array | null | undefined,
    mode: 'insert' | 'update',
    logHash?: string,
  ): void {
    const c = this.conn();
    const terms = writeRow(c, this.cipher, memory, vector, {
      mode,
      modelId: this.model?.id ?? memory.embeddingModel ?? 'unknown',
      fts: this.keywordMode === 'fts5',
      logHash,
    });
    this.indexes.noteWrite(memory, terms);
    // The model is read from meta once per connection, not per row (see txWrite).
    if (vector && this.model && !this.modelRecorded) {
      if (!this.readModel()) c.writeMeta('embedding_model', JSON.stringify(this.model));
      this.modelPending = true;
    }
  }

  async insert(records: StoredRecord[], op: VersionOp = 'create'): Promise<void> {
    this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    this.txWrite(() => this.insertRows(records, op));
    for (const { memory, vector } of records) this.indexes.indexMemory(memory, vector ?? null);
  }

  async update(changes: UpdateChange[]): Promise<void> {
    this.conn();
    for (const { memory, vector } of changes) checkVector(vector, this.model, memory.id);
    this.txWrite(() => this.updateRows(changes));
    for (const { memory, vector } of changes) this.indexes.indexMemory(memory, vector);
  }

  /** Inserts then updates in ONE transaction: a stale version rolls the inserts back too. */
  async commit(batch: CommitBatch): Promise<void> {
    this.conn();
    const inserts = batch.insert ?? [];
    const updates = batch.update ?? [];
    checkCommitBatch(inserts, updates);
    for (const { memory, vector } of [...inserts, ...updates]) checkVector(vector, this.model, memory.id);
    if (inserts.length === 0 && updates.length === 0) return;
    this.txWrite(() => {
      this.insertRows(inserts, 'create');
      this.updateRows(updates);
    });
    for (const { memory, vector } of inserts) this.indexes.indexMemory(memory, vector ?? null);
    for (const { memory, vector } of updates) this.indexes.indexMemory(memory, vector);
  }

  /**
   * Called inside a transaction. Each row goes in with the hash of its log entry (appended
   * first) and without a lookup before: the id's UNIQUE constraint turns a duplicate into a
   * ConflictError, and the transaction rolls back the entry with it.
   */
  private insertRows(records: StoredRecord[], op: VersionOp): void {
    const c = this.conn();
    const log = this.log!;
    log.batch(() => {
      for (const { memory, vector } of records) {
        const hash = log.append(memory.userId, op, memory.id, { memory });
        try {
          this.write(memory, vector, 'insert', hash);
        } catch (error) {
          if (isDuplicateId(error)) {
            throw new ConflictError(
              `A memory with id ${memory.id} already exists; use update() or a new id.`,
            );
          }
          throw error;
        }
        writeVersion(c, this.cipher, versionOf(memory, op));
      }
    });
  }

  /** Called inside a transaction. */
  private updateRows(changes: UpdateChange[]): void {
    const c = this.conn();
    this.log!.batch(() => {
      for (const change of changes) this.updateRow(c, change);
    });
  }

  /** One update: the stored version must be the one before it (else ConflictError, retryable). */
  private updateRow(c: SqliteConnection, { memory, vector, op }: UpdateChange): void {
    const row = c.stmt('SELECT version, user_id FROM memories WHERE id = ?').get(memory.id) as
      | { version: number; user_id: string }
      | undefined;
    if (!row || row.user_id !== memory.userId) {
      throw new ConflictError(`Memory ${memory.id} does not exist for this user; nothing was updated.`);
    }
    if (memory.version !== row.version + 1) {
      throw new ConflictError(
        `Memory ${memory.id} is at version ${row.version}, but the update expected to write version ${memory.version}; reload and retry.`,
        { retryable: true, details: { id: memory.id, storedVersion: row.version } },
      );
    }
    const hash = this.log!.append(memory.userId, op, memory.id, { memory });
    this.write(memory, vector, 'update', hash);
    writeVersion(c, this.cipher, versionOf(memory, op));
  }

  async restore(records: StoredRecord[], history: MemoryVersion[]): Promise<void> {
    const c = this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    const byId = new Map<string, MemoryVersion[]>();
    for (const version of history)
      byId.set(version.memoryId, [...(byId.get(version.memoryId) ?? []), version]);
    this.restoreRows(c, records, byId);
    this.indexes.common.reset();
    for (const { memory, vector } of records) {
      this.indexes.forgetVector(memory.userId, memory.id);
      this.indexes.indexMemory(memory, vector ?? null);
    }
  }

  /** restore()'s one transaction: each record replaces any row of its id (same user only) with its versions. */
  private restoreRows(
    c: SqliteConnection,
    records: StoredRecord[],
    byId: Map<string, MemoryVersion[]>,
  ): void {
    this.txWrite(() => {
      for (const { memory, vector } of records) {
        const existing = c
          .stmt('SELECT rowid, user_id, log_hash FROM memories WHERE id = ?')
          .get(memory.id) as { rowid: number; user_id: string; log_hash: string | null } | undefined;
        if (existing && existing.user_id !== memory.userId) {
          throw new ConflictError(
            `Memory id ${memory.id} belongs to another user; refusing to overwrite it.`,
          );
        }
        const versions = byId.get(memory.id) ?? [versionOf(memory, 'import')];
        // Importing what is already there (the same file twice) adds nothing to the log.
        const same = existing?.log_hash != null && this.sameState(memory, versions);
        if (existing) deleteRow(c, existing.rowid);
        this.write(memory, vector ?? null, 'insert');
        for (const version of versions) writeVersion(c, this.cipher, version);
        if (same) this.log!.markHead(memory.id, existing.log_hash!);
        else this.appendLog(memory.userId, 'import', memory.id, { memory, history: versions });
      }
    });
  }

  async touch(userId: string, ids: string[], at: string, strengthBoost = 0): Promise<void> {
    const c = this.conn();
    const sql =
      'UPDATE memories SET access_count = access_count + 1, last_accessed_at = ?, strength = strength + ? WHERE id = ? AND user_id = ?';
    c.tx(() => {
      for (const id of new Set(ids)) c.stmt(sql).run(at, strengthBoost, id, userId);
    });
  }

  async delete(userId: string, ids: string[]): Promise<number> {
    const c = this.conn();
    const deleted: string[] = [];
    c.tx(() =>
      this.log!.batch(() => {
        for (const id of new Set(ids)) {
          const row = c.stmt('SELECT rowid FROM memories WHERE id = ? AND user_id = ?').get(id, userId) as
            | { rowid: number }
            | undefined;
          if (!row) continue;
          this.log!.append(userId, 'delete', id, {});
          deleteRow(c, row.rowid);
          deleted.push(id);
        }
      }),
    );
    this.indexes.removed(userId, deleted);
    return deleted.length;
  }

  async deleteUser(userId: string): Promise<number> {
    const c = this.conn();
    const count = c.tx(() => {
      // Tombstones propagate the deletion to peers; their payloads (the user's text) are pruned.
      const rows = c.stmt('SELECT id FROM memories WHERE user_id = ?').all(userId) as Array<{ id: string }>;
      const ids = new Set([...rows.map((r) => r.id), ...this.log!.liveMemoryIds(userId)]);
      this.log!.batch(() => {
        for (const id of ids) this.log!.append(userId, 'delete', id, {});
      });
      c.stmt('DELETE FROM memories_fts WHERE rowid IN (SELECT rowid FROM memories WHERE user_id = ?)').run(
        userId,
      );
      c.stmt('DELETE FROM user_state WHERE user_id = ?').run(userId);
      return c.stmt('DELETE FROM memories WHERE user_id = ?').run(userId).changes;
    });
    this.indexes.removedUser(userId);
    return count;
  }

  // ---- per-user state (plain JSON: learned weights and counts, no user text) -------------

  async getState(userId: string, key: string): Promise<unknown> {
    const row = this.conn()
      .stmt('SELECT value FROM user_state WHERE user_id = ? AND key = ?')
      .get(userId, key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as unknown) : null;
  }

  async putState(userId: string, key: string, value: unknown): Promise<void> {
    this.conn()
      .stmt(
        'INSERT INTO user_state (user_id, key, value) VALUES (?, ?, ?) ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value',
      )
      .run(userId, key, JSON.stringify(value));
  }

  async listState(userId: string): Promise<Array<{ key: string; value: unknown }>> {
    const rows = this.conn()
      .stmt('SELECT key, value FROM user_state WHERE user_id = ? ORDER BY key')
      .all(userId) as Array<{ key: string; value: string }>;
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown }));
  }

  async stateUsers(key: string): Promise<string[]> {
    const rows = this.conn().stmt('SELECT user_id FROM user_state WHERE key = ?').all(key) as Array<{
      user_id: string;
    }>;
    return rows.map((r) => r.user_id);
  }

  async replaceVectors(
    items: Array<{ userId: string; id: string; vector: Float32Array }>,
    model: ModelInfo,
  ): Promise<void> {
    const c = this.conn();
    for (const item of items) checkVector(item.vector, model, item.id);
    c.tx(() => {
      for (const item of items) {
        const changed = c
          .stmt('UPDATE memories SET embedding_model = ? WHERE id = ? AND user_id = ?')
          .run(model.id, item.id, item.userId).changes;
        if (changed === 0) {
          throw new ValidationError(
            `Memory ${item.id} does not exist for user ${item.userId}; no vectors were replaced.`,
          );
        }
        writeVector(c, this.cipher, item.id, model.id, item.vector);
      }
      c.writeMeta('embedding_model', JSON.stringify(model));
    });
    this.modelRecorded = true;
    const dimsChanged = !this.model || this.model.dimensions !== model.dimensions;
    this.model = { ...model };
    if (dimsChanged) {
      this.indexes.loadVectors(c, model.dimensions);
      return;
    }
    for (const item of items) {
      const memory = reads.getOne(c, this.cipher, item.userId, item.id);
      if (memory) this.indexes.indexMemory(memory, item.vector);
    }
  }

  // ---- reads --------------------------------------------------------------------------

  async get(userId: string, id: string): Promise<Memory | null> {
    return reads.getOne(this.conn(), this.cipher, userId, id);
  }

  async getMany(userId: string, ids: string[]): Promise<Memory[]> {
    return reads.getMany(this.conn(), this.cipher, userId, ids);
  }

  async getVectors(userId: string, ids: string[]): Promise<Map<string, Float32Array>> {
    return reads.getVectors(this.conn(), this.cipher, userId, ids);
  }

  async list(filter: StoreFilter, page: { limit: number; cursor?: string }): Promise<Page<Memory>> {
    return reads.listPage(this.conn(), this.cipher, filter, page);
  }

  async latestCreatedAt(filter: StoreFilter): Promise<string | null> {
    return reads.latestCreatedAt(this.conn(), this.cipher, filter);
  }

  async history(userId: string, id: string): Promise<MemoryVersion[]> {
    return reads.historyOf(this.conn(), this.cipher, userId, id);
  }

  async vectorSearch(filter: StoreFilter, vector: Float32Array, k: number): Promise<ScoredId[]> {
    return vectorSearch(this.searchContext(), filter, vector, k);
  }

  async keywordSearch(filter: StoreFilter, query: KeywordQuery, k: number): Promise<ScoredId[]> {
    const ctx = this.searchContext();
    if (!query.ast || k <= 0) return [];
    if (this.keywordMode === 'memory') return memoryKeywordSearch(ctx, filter, query.ast, k);
    this.ftsCurrent(ctx.c);
    return ftsKeywordSearch(ctx, filter, query.ast, k);
  }

  /** fts5 mode: after another connection committed, rebuild the FTS table if it wrote without it. */
  private ftsCurrent(c: SqliteConnection): void {
    if (c.dataVersion() === this.ftsVersion) return;
    if (syncFts(c, this.cipher, 'fts5')) this.indexes.dropKeywords();
    this.ftsVersion = c.dataVersion();
  }

  private searchContext(): SearchContext {
    return { c: this.conn(), cipher: this.cipher, indexes: this.indexes, model: this.model };
  }

  async users(): Promise<string[]> {
    return reads.usersOf(this.conn());
  }

  async stats(userId?: string): Promise<StoreStats> {
    return reads.statsOf(this.conn(), userId);
  }

  async *scan(options: { userId?: string; batchSize?: number }): AsyncIterable<StoredRecord[]> {
    yield* reads.scanBatches(this.conn(), this.cipher, options);
  }

  // ---- operations ---------------------------------------------------------------------

  /** Consistent online copy (SQLite backup API) while the store keeps serving. */
  async backup(destination: string): Promise<string> {
    await this.conn().db.backup(destination);
    return destination;
  }

  /**
   * Re-encrypts every memory and snapshot with the current key (rows written before
   * encryption was enabled too) and rebuilds the blind index; returns memories rewritten.
   * For the CLI: open with the new key in encryption.key and the old ones in previousKeys.
   */
  async rotateKeys(): Promise<number> {
    if (!this.cipher) {
      throw new ConfigError(
        'rotateKeys() needs encryption.key (and the old keys in encryption.previousKeys).',
      );
    }
    const rewritten = rotateKeys(this.conn(), this.cipher, this.keywordMode);
    this.log?.reseal();
    this.indexes.dropKeywords();
    return rewritten;
  }
}

/** Whether a failed INSERT hit the unique id of the memories table. */
function isDuplicateId(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') &&
    String((error as Error).message).includes('memories.id')
  );
}
