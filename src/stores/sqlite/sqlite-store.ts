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
 * (stores/keyword-index). This class orchestrates;
 * SQL lives in sqlite-reads.ts, sqlite-writes.ts and sqlite-maintenance.ts.
 */
import { ClosedError, ConfigError, ConflictError, ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { KeywordQuery } from '../../text/query-ast.ts';
import type { Memory, MemoryVersion, Page, VersionOp } from '../../types.ts';
import type { KeywordIndex } from '../keyword-index/keyword-index.ts';
import { PLAIN, type TokenMapping } from '../shared/keyword-eval.ts';
import { checkCommitBatch, checkVector, cosine, modelMismatch, versionOf } from '../shared/records.ts';
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
import { type Precision, rescoreTopK, VectorIndex } from '../vector-index/vector-index.ts';
import { CommonTerms } from './common-terms.ts';
import { toFtsMatch } from './fts-query.ts';
import { KeywordIndexBuild, keywordTokens } from './keyword-loader.ts';
import { ensureLookupIndexes } from './lookup-indexes.ts';
import { migrate } from './migrations.ts';
import { openDatabase } from './open-db.ts';
import { blobToVector } from './row-codec.ts';
import { SqliteConnection } from './sqlite-connection.ts';
import { checkKeys, ftsKeyOf, reindexAll, rotateKeys } from './sqlite-maintenance.ts';
import * as reads from './sqlite-reads.ts';
import { deleteRow, writeRow, writeVector, writeVersion } from './sqlite-writes.ts';

/** Rows the background keyword-index build indexes per event-loop turn (~5 ms). */
const KEYWORD_BUILD_ROWS = 500;

export interface SqliteStoreOptions {
  path: string;
  busyTimeoutMs?: number;
  vectorPrecision?: Precision;
  synchronous?: 'normal' | 'full';
  /** Encrypts content/metadata/snapshots at rest; null/undefined stores plaintext. */
  cipher?: Cipher | null;
  /** Where keyword search runs: the in-process per-user index (default) or FTS5. */
  keywordIndex?: 'memory' | 'fts5';
}

export class SqliteStore implements MemoryStore {
  readonly kind = 'sqlite';
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  private c: SqliteConnection | null = null;
  private model: ModelInfo | null = null;
  private index: VectorIndex | null = null;
  /** PRAGMA data_version when the index was loaded: it changes when ANOTHER connection commits. */
  private indexDataVersion = -1;
  private vocab: Set<string> | null = null;
  private vocabDataVersion = -1;
  private readonly cipher: Cipher | null;
  private readonly common = new CommonTerms();
  private keywords: KeywordIndex | null = null;
  private keywordsDataVersion = -1;
  /** The background build filling `keywords` after open, until done or replaced. */
  private keywordBuild: KeywordIndexBuild | null = null;
  /** Rows written by the open transaction, applied to the keyword index once it commits. */
  private pending: Array<{ memory: Memory; terms: string }> = [];

  constructor(private readonly options: SqliteStoreOptions) {
    this.location = options.path;
    this.cipher = options.cipher ?? null;
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
    try {
      migrate({ db, reindexAll: () => reindexAll(c, this.cipher) }, this.location);
      ensureLookupIndexes(c);
      checkKeys(c, this.cipher);
      this.checkModel(c, options);
      if (c.readMeta('fts_key') !== ftsKeyOf(this.cipher)) c.tx(() => reindexAll(c, this.cipher));
      this.model = { ...options.model };
      this.loadIndex();
      if (this.keywordMode === 'memory') this.buildKeywordsInBackground(c);
    } catch (error) {
      c.close();
      this.c = null;
      throw error;
    }
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

  /** Starts a fresh build of the keyword index from the file; `keywords` is its index. */
  private startKeywordBuild(c: SqliteConnection): KeywordIndexBuild {
    const build = new KeywordIndexBuild(c, this.cipher);
    this.keywordBuild = build;
    this.keywords = build.index;
    this.keywordsDataVersion = c.dataVersion();
    return build;
  }

  /**
   * Fills the keyword index after open in steps of KEYWORD_BUILD_ROWS rows, one per
   * event-loop turn (unref'd: it never keeps the process alive), so the first keyword search
   * finds it built instead of building it in one block (~2 s at 100k rows). Writes keep the
   * partial index in sync meanwhile; a search before it is done finishes it synchronously;
   * another connection's commit, rotateKeys or close drop it.
   */
  private buildKeywordsInBackground(c: SqliteConnection): void {
    const build = this.startKeywordBuild(c);
    const step = () => {
      if (this.keywordBuild !== build) return;
      if (c.dataVersion() !== this.keywordsDataVersion) {
        this.keywordBuild = null;
        this.keywords = null; // rebuilt from the file by the next keyword search
      } else if (build.step(KEYWORD_BUILD_ROWS)) this.keywordBuild = null;
      else setImmediate(step).unref();
    };
    setImmediate(step).unref();
  }

  /** Runs a write transaction and then applies its rows to the keyword index. */
  private txWrite<T>(fn: () => T): T {
    this.pending = [];
    try {
      const out = this.conn().tx(fn);
      for (const { memory, terms } of this.pending) {
        this.keywords?.upsert(memory.userId, memory.id, keywordTokens(terms), {
          layer: memory.layer,
          createdMs: Date.parse(memory.createdAt),
          superseded: memory.supersededBy !== null,
        });
      }
      return out;
    } finally {
      this.pending = [];
    }
  }

  async close(): Promise<void> {
    this.keywordBuild = null;
    this.keywords = null;
    this.vocab = null;
    this.index = null;
    this.common.reset();
    const c = this.c;
    this.c = null;
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

  private loadIndex(): void {
    const c = this.conn();
    const model = this.model!;
    const index = new VectorIndex(model.dimensions, this.options.vectorPrecision ?? 'float32');
    const rows = c
      .stmt(
        `SELECT m.user_id, m.id, m.layer, m.created_at, m.superseded_by, v.vector
         FROM vectors v JOIN memories m ON m.id = v.memory_id WHERE v.dims = ?`,
      )
      .iterate(model.dimensions) as Iterable<{
      user_id: string;
      id: string;
      layer: Memory['layer'];
      created_at: string;
      superseded_by: string | null;
      vector: Buffer;
    }>;
    for (const r of rows) {
      index.upsert(r.user_id, r.id, blobToVector(r.vector), {
        layer: r.layer,
        createdMs: Date.parse(r.created_at),
        superseded: r.superseded_by !== null,
      });
    }
    this.index = index;
    this.indexDataVersion = c.dataVersion();
  }

  private indexMemory(memory: Memory, vector: Float32Array | null | undefined): void {
    const index = this.index;
    if (!index) return;
    const fields = {
      layer: memory.layer,
      createdMs: Date.parse(memory.createdAt),
      superseded: memory.supersededBy !== null,
    };
    if (vector === undefined) index.updateFields(memory.userId, memory.id, fields);
    else if (vector === null) index.remove(memory.userId, memory.id);
    else index.upsert(memory.userId, memory.id, vector, fields);
  }

  /**
   * Distinct FTS terms for fuzzy expansion, cached: fts5vocab computes document counts by
   * walking every doclist, far too slow per query on a large index. Kept current by our own
   * writes; dropped when another connection wrote or the store was reopened.
   */
  private vocabulary(min: number, max: number): string[] {
    const c = this.conn();
    if (!this.vocab || this.vocabDataVersion !== c.dataVersion()) {
      const rows = c.stmt('SELECT term FROM memories_vocab').all() as Array<{ term: string }>;
      this.vocab = new Set(rows.map((r) => r.term));
      this.vocabDataVersion = c.dataVersion();
    }
    const out: string[] = [];
    for (const term of this.vocab) if (term.length >= min && term.length <= max) out.push(term);
    return out;
  }

  // ---- writes -------------------------------------------------------------------------

  private write(memory: Memory, vector: Float32Array | null | undefined, mode: 'insert' | 'update'): void {
    const c = this.conn();
    const terms = writeRow(
      c,
      this.cipher,
      memory,
      vector,
      mode,
      this.model?.id ?? memory.embeddingModel ?? 'unknown',
    );
    this.common.noteWrites(1);
    if (this.keywords) this.pending.push({ memory, terms });
    // A rolled-back write may leave extra terms here: harmless, they expand to no match.
    if (this.vocab && terms) for (const term of terms.split(' ')) this.vocab.add(term);
    if (vector && this.model && !this.readModel()) c.writeMeta('embedding_model', JSON.stringify(this.model));
  }

  async insert(records: StoredRecord[], op: VersionOp = 'create'): Promise<void> {
    this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    this.txWrite(() => this.insertRows(records, op));
    for (const { memory, vector } of records) this.indexMemory(memory, vector ?? null);
  }

  async update(changes: UpdateChange[]): Promise<void> {
    this.conn();
    for (const { memory, vector } of changes) checkVector(vector, this.model, memory.id);
    this.txWrite(() => this.updateRows(changes));
    for (const { memory, vector } of changes) this.indexMemory(memory, vector);
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
    for (const { memory, vector } of inserts) this.indexMemory(memory, vector ?? null);
    for (const { memory, vector } of updates) this.indexMemory(memory, vector);
  }

  /** Called inside a transaction. */
  private insertRows(records: StoredRecord[], op: VersionOp): void {
    const c = this.conn();
    for (const { memory, vector } of records) {
      if (c.stmt('SELECT 1 FROM memories WHERE id = ?').get(memory.id)) {
        throw new ConflictError(`A memory with id ${memory.id} already exists; use update() or a new id.`);
      }
      this.write(memory, vector, 'insert');
      writeVersion(c, this.cipher, versionOf(memory, op));
    }
  }

  /** Called inside a transaction. */
  private updateRows(changes: UpdateChange[]): void {
    const c = this.conn();
    for (const { memory, vector, op } of changes) {
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
      this.write(memory, vector, 'update');
      writeVersion(c, this.cipher, versionOf(memory, op));
    }
  }

  async restore(records: StoredRecord[], history: MemoryVersion[]): Promise<void> {
    const c = this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    const byId = new Map<string, MemoryVersion[]>();
    for (const version of history)
      byId.set(version.memoryId, [...(byId.get(version.memoryId) ?? []), version]);
    this.txWrite(() => {
      for (const { memory, vector } of records) {
        const existing = c.stmt('SELECT rowid, user_id FROM memories WHERE id = ?').get(memory.id) as
          | { rowid: number; user_id: string }
          | undefined;
        if (existing && existing.user_id !== memory.userId) {
          throw new ConflictError(
            `Memory id ${memory.id} belongs to another user; refusing to overwrite it.`,
          );
        }
        if (existing) deleteRow(c, existing.rowid);
        this.write(memory, vector ?? null, 'insert');
        const versions = byId.get(memory.id) ?? [versionOf(memory, 'import')];
        for (const version of versions) writeVersion(c, this.cipher, version);
      }
    });
    this.common.reset();
    for (const { memory, vector } of records) {
      this.index?.remove(memory.userId, memory.id);
      this.indexMemory(memory, vector ?? null);
    }
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
    c.tx(() => {
      for (const id of new Set(ids)) {
        const row = c.stmt('SELECT rowid FROM memories WHERE id = ? AND user_id = ?').get(id, userId) as
          | { rowid: number }
          | undefined;
        if (!row) continue;
        deleteRow(c, row.rowid);
        deleted.push(id);
      }
    });
    for (const id of deleted) {
      this.index?.remove(userId, id);
      this.keywords?.remove(userId, id);
    }
    this.common.reset();
    return deleted.length;
  }

  async deleteUser(userId: string): Promise<number> {
    const c = this.conn();
    const count = c.tx(() => {
      c.stmt('DELETE FROM memories_fts WHERE rowid IN (SELECT rowid FROM memories WHERE user_id = ?)').run(
        userId,
      );
      return c.stmt('DELETE FROM memories WHERE user_id = ?').run(userId).changes;
    });
    this.index?.removeUser(userId);
    this.keywords?.removeUser(userId);
    this.common.reset();
    return count;
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
        writeVector(c, item.id, model.id, item.vector);
      }
      c.writeMeta('embedding_model', JSON.stringify(model));
    });
    const dimsChanged = !this.model || this.model.dimensions !== model.dimensions;
    this.model = { ...model };
    if (dimsChanged) {
      this.loadIndex();
      return;
    }
    for (const item of items) {
      const memory = reads.getOne(c, this.cipher, item.userId, item.id);
      if (memory) this.indexMemory(memory, item.vector);
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
    return reads.getVectors(this.conn(), userId, ids);
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
    const c = this.conn();
    if (this.model && vector.length !== this.model.dimensions) {
      throw new ValidationError(
        `Query vector has ${vector.length} dimensions; the store's model makes ${this.model.dimensions}.`,
      );
    }
    // Another process (the CLI beside a server) wrote to the file: reload the in-process index.
    if (this.index && c.dataVersion() !== this.indexDataVersion) this.loadIndex();
    if (!this.index || k <= 0) return [];
    const hasMetadata = filter.metadata && Object.keys(filter.metadata).length > 0;
    const allowed = hasMetadata ? reads.allowedIds(c, this.cipher, filter) : undefined;
    const candidates = this.index.search(filter, vector, k, allowed);
    let results: ScoredId[] = candidates;
    if (this.index.precision === 'int8' && candidates.length > 0) {
      // int8 scores are estimates: re-score with the exact vectors from disk, read only for
      // candidates whose error bound can still reach the top k (same result as re-scoring
      // all k·INT8_OVERSAMPLE of them; each read is a random page, ~5 µs at 100k).
      results = rescoreTopK(candidates, k, (ids) => {
        const scores = new Map<string, number>();
        for (const [id, exact] of reads.vectorsOf(c, ids)) scores.set(id, cosine(vector, exact));
        return scores;
      });
    }
    return results
      .map(({ id, score }) => ({ id, score }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, k);
  }

  async keywordSearch(filter: StoreFilter, query: KeywordQuery, k: number): Promise<ScoredId[]> {
    const c = this.conn();
    if (!query.ast || k <= 0) return [];
    if (this.keywordMode === 'memory') return this.memoryKeywordSearch(c, filter, query.ast, k);
    const match = toFtsMatch(query.ast, {
      cipher: this.cipher,
      vocabulary: (min, max) => this.vocabulary(min, max),
    });
    if (match === null) return [];
    // Terms in half of all rows barely score but make FTS5 rank nearly every row: try without
    // them first and keep that answer when it fills k (common-terms.ts explains why it's safe).
    const pruned = this.cipher ? null : this.common.prune(c, query.ast, c.dataVersion());
    const prunedMatch = pruned && toFtsMatch(pruned, { cipher: null, vocabulary: () => [] });
    if (prunedMatch) {
      const rows = reads.keywordRows(c, this.cipher, filter, prunedMatch, k);
      if (rows.length >= k) return rows;
    }
    return reads.keywordRows(c, this.cipher, filter, match, k);
  }

  private memoryKeywordSearch(
    c: SqliteConnection,
    filter: StoreFilter,
    ast: NonNullable<KeywordQuery['ast']>,
    k: number,
  ): ScoredId[] {
    // Built on first use (commands that never search never pay for it), and rebuilt from the
    // stored rows when another process wrote to the file, as the vector index is reloaded.
    // A build still under way (opened moments ago, or just started here) finishes now.
    if (!this.keywords || c.dataVersion() !== this.keywordsDataVersion) this.startKeywordBuild(c);
    if (this.keywordBuild) {
      this.keywordBuild.finish();
      this.keywordBuild = null;
    }
    const cipher = this.cipher;
    const mapping: TokenMapping = cipher ? { token: (t) => cipher.blindToken(t), exactOnly: true } : PLAIN;
    const hasMetadata = filter.metadata && Object.keys(filter.metadata).length > 0;
    const allowed = hasMetadata ? reads.allowedIds(c, this.cipher, filter) : undefined;
    return this.keywords!.search(filter, ast, k, mapping, allowed);
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
    const rewritten = rotateKeys(this.conn(), this.cipher);
    this.keywordBuild = null;
    this.keywords = null; // new key, new blind tokens: rebuilt on the next keyword search
    this.vocab = null;
    this.common.reset();
    return rewritten;
  }
}
