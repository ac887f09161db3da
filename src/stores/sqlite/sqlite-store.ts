/**
 * The embedded default store: one SQLite file (better-sqlite3 12) holding memories, full
 * JSON snapshots of every version, float32 vectors tagged with their model, an FTS5 keyword
 * index (BM25) and a meta table with the store's embedding model. Vector search runs on an
 * in-process index loaded at open and updated after every committed write. Every multi-row
 * write is one transaction; updates are optimistic (expected version). Content, metadata
 * and snapshots are encrypted when a Cipher is given (keyword search then runs on a blind
 * index). Reads are synchronous under the hood; the async API is the store contract.
 */
import type Database from 'better-sqlite3';
import { ClosedError, ConfigError, ConflictError, MemoryError, ValidationError } from '../../errors.ts';
import type { KeywordQuery } from '../../search/query-ast.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { Memory, MemoryVersion, Page, VersionOp } from '../../types.ts';
import { decodeCursor, encodeCursor } from '../shared/cursor.ts';
import { compileFilter } from '../shared/filter.ts';
import { checkVector, cosine, modelMismatch } from '../shared/records.ts';
import type {
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
import { type Precision, VectorIndex } from '../vector-index/vector-index.ts';
import { toFtsMatch } from './fts-query.ts';
import { migrate } from './migrations.ts';
import { mapSqliteError, openDatabase } from './open-db.ts';
import {
  blobToVector,
  contentOf,
  fromRow,
  fromVersionRow,
  ftsText,
  type MemoryRow,
  toParams,
  toVersionRow,
  type VersionRow,
  vectorToBlob,
} from './row-codec.ts';
import { whereFor } from './sql-filter.ts';

export interface SqliteStoreOptions {
  path: string;
  busyTimeoutMs?: number;
  vectorPrecision?: Precision;
  synchronous?: 'normal' | 'full';
  /** Encrypts content/metadata/snapshots at rest; null/undefined stores plaintext. */
  cipher?: Cipher | null;
}

const INSERT_MEMORY = `INSERT INTO memories (id, user_id, layer, created_at, updated_at, version, superseded_by,
  importance, strength, access_count, last_accessed_at, embedding_model, sources, links, content, metadata, key_id, bytes)
  VALUES (@id, @user_id, @layer, @created_at, @updated_at, @version, @superseded_by, @importance, @strength,
  @access_count, @last_accessed_at, @embedding_model, @sources, @links, @content, @metadata, @key_id, @bytes)`;
const UPDATE_MEMORY = `UPDATE memories SET user_id=@user_id, layer=@layer, created_at=@created_at, updated_at=@updated_at,
  version=@version, superseded_by=@superseded_by, importance=@importance, strength=@strength, access_count=@access_count,
  last_accessed_at=@last_accessed_at, embedding_model=@embedding_model, sources=@sources, links=@links, content=@content,
  metadata=@metadata, key_id=@key_id, bytes=@bytes WHERE id=@id`;
const INSERT_VERSION = `INSERT OR REPLACE INTO versions (memory_id, version, op, at, snapshot, key_id)
  VALUES (@memory_id, @version, @op, @at, @snapshot, @key_id)`;
const SCAN_CHUNK = 500;

export class SqliteStore implements MemoryStore {
  readonly kind = 'sqlite';
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  private db: Database.Database | null = null;
  private readonly statements = new Map<string, Database.Statement>();
  private model: ModelInfo | null = null;
  private index: VectorIndex | null = null;
  /** PRAGMA data_version when the index was loaded: it changes when ANOTHER connection commits. */
  private indexDataVersion = -1;
  private vocab: Set<string> | null = null;
  private vocabDataVersion = -1;
  private readonly cipher: Cipher | null;

  constructor(private readonly options: SqliteStoreOptions) {
    this.location = options.path;
    this.cipher = options.cipher ?? null;
    const plain = this.cipher === null;
    this.capabilities = { prefix: plain, fuzzy: plain, persistent: options.path !== ':memory:' };
  }

  // ---- lifecycle ----------------------------------------------------------------------

  async open(options: OpenOptions): Promise<void> {
    if (this.db) await this.close();
    const db = openDatabase({
      path: this.options.path,
      busyTimeoutMs: this.options.busyTimeoutMs ?? 5_000,
      synchronous: this.options.synchronous ?? 'normal',
    });
    this.db = db;
    try {
      migrate({ db, reindexAll: () => this.reindexAll() }, this.location);
      this.checkKeys();
      const stored = this.readModel();
      const vectors = (db.prepare('SELECT COUNT(*) AS n FROM vectors').get() as { n: number }).n;
      if (stored && vectors > 0 && stored.id !== options.model.id && !options.allowModelChange) {
        throw modelMismatch(stored, options.model, this.location);
      }
      // Vectors are tagged per row too: an interrupted re-embed leaves a mix, which is refused
      // (until `reembed` finishes) even though meta already names the new model.
      const foreign = db
        .prepare('SELECT model, dims FROM vectors WHERE model != ? LIMIT 1')
        .get(options.model.id) as { model: string; dims: number } | undefined;
      if (foreign && !options.allowModelChange) {
        throw modelMismatch({ id: foreign.model, dimensions: foreign.dims }, options.model, this.location);
      }
      if (stored && vectors === 0 && stored.id !== options.model.id) this.writeMeta('embedding_model', null);
      const ftsKey = this.cipher ? this.cipher.keyId : 'plain';
      if (this.readMeta('fts_key') !== ftsKey) {
        db.transaction(() => this.reindexAll())();
      }
      this.model = { ...options.model };
      this.loadIndex();
    } catch (error) {
      this.statements.clear();
      db.close();
      this.db = null;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.statements.clear();
    this.vocab = null;
    this.index = null;
    const db = this.db;
    this.db = null;
    if (db?.open) db.close();
  }

  async storedModel(): Promise<ModelInfo | null> {
    this.conn();
    return this.readModel();
  }

  private conn(): Database.Database {
    if (!this.db)
      throw new ClosedError(`The SQLite store at ${this.location} is not open; call open() first.`);
    return this.db;
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.conn().prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private tx<T>(fn: () => T): T {
    try {
      return this.conn().transaction(fn)();
    } catch (error) {
      if (MemoryError.isInstance(error)) throw error;
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConflictError(`A memory id is already taken: ${(error as Error).message}`, {
          cause: error,
        });
      }
      return mapSqliteError(error, this.location);
    }
  }

  private readMeta(key: string): string | null {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  private writeMeta(key: string, value: string | null): void {
    if (value === null) this.stmt('DELETE FROM meta WHERE key = ?').run(key);
    else this.stmt('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
  }

  private readModel(): ModelInfo | null {
    const raw = this.readMeta('embedding_model');
    return raw ? (JSON.parse(raw) as ModelInfo) : null;
  }

  private noteModel(): void {
    if (this.model && !this.readModel()) this.writeMeta('embedding_model', JSON.stringify(this.model));
  }

  /** Refuses to open encrypted data without its key, before anything is read. */
  private checkKeys(): void {
    const keyIds = (
      this.stmt('SELECT DISTINCT key_id FROM memories WHERE key_id IS NOT NULL').all() as Array<{
        key_id: string;
      }>
    ).map((r) => r.key_id);
    for (const keyId of keyIds) {
      if (!this.cipher) {
        throw new ConfigError(
          `The database at ${this.location} holds encrypted memories (key ${keyId}); set encryption.key or encryption.keyFile to open it.`,
        );
      }
      if (!this.cipher.knows(keyId)) {
        throw new ConfigError(
          `The database at ${this.location} holds memories encrypted with key ${keyId}, which is not configured; add it to encryption.previousKeys.`,
        );
      }
    }
  }

  /** Rewrites every FTS row from decrypted content (migration, key change, rotation). */
  private reindexAll(): void {
    const db = this.conn();
    this.vocab = null;
    db.prepare("INSERT INTO memories_fts(memories_fts) VALUES ('delete-all')").run();
    const insert = db.prepare('INSERT INTO memories_fts (rowid, terms) VALUES (?, ?)');
    // Paged rather than iterated: better-sqlite3 forbids writes while a read cursor is open.
    const page = db.prepare(
      'SELECT rowid, id, content, key_id FROM memories WHERE rowid > ? ORDER BY rowid LIMIT 1000',
    );
    for (let after = 0; ; ) {
      const rows = page.all(after) as MemoryRow[];
      if (rows.length === 0) break;
      for (const row of rows) insert.run(row.rowid, ftsText(contentOf(row, this.cipher), this.cipher));
      after = rows.at(-1)!.rowid;
    }
    db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(
      'fts_key',
      this.cipher ? this.cipher.keyId : 'plain',
    );
  }

  private loadIndex(): void {
    const model = this.model!;
    const index = new VectorIndex(model.dimensions, this.options.vectorPrecision ?? 'float32');
    const rows = this.stmt(
      `SELECT m.user_id, m.id, m.layer, m.created_at, m.superseded_by, v.vector
       FROM vectors v JOIN memories m ON m.id = v.memory_id WHERE v.dims = ?`,
    ).iterate(model.dimensions) as Iterable<{
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
    this.indexDataVersion = this.dataVersion();
  }

  /**
   * Distinct FTS terms for fuzzy expansion, cached: fts5vocab computes document counts by
   * walking every doclist, far too slow per query on a large index. Kept current by our own
   * writes; dropped when another connection wrote or the index was rebuilt.
   */
  private vocabulary(min: number, max: number): string[] {
    if (!this.vocab || this.vocabDataVersion !== this.dataVersion()) {
      const rows = this.stmt('SELECT term FROM memories_vocab').all() as Array<{ term: string }>;
      this.vocab = new Set(rows.map((r) => r.term));
      this.vocabDataVersion = this.dataVersion();
    }
    const out: string[] = [];
    for (const term of this.vocab) if (term.length >= min && term.length <= max) out.push(term);
    return out;
  }

  private dataVersion(): number {
    return this.conn().pragma('data_version', { simple: true }) as number;
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

  // ---- writes -------------------------------------------------------------------------

  private writeRow(memory: Memory, vector: Float32Array | null | undefined, mode: 'insert' | 'update'): void {
    const params = toParams(memory, this.cipher);
    let rowid: number;
    if (mode === 'insert') {
      rowid = Number(this.stmt(INSERT_MEMORY).run(params).lastInsertRowid);
    } else {
      this.stmt(UPDATE_MEMORY).run(params);
      rowid = (this.stmt('SELECT rowid FROM memories WHERE id = ?').get(memory.id) as { rowid: number })
        .rowid;
      this.stmt('DELETE FROM memories_fts WHERE rowid = ?').run(rowid);
    }
    const terms = ftsText(memory.content, this.cipher);
    this.stmt('INSERT INTO memories_fts (rowid, terms) VALUES (?, ?)').run(rowid, terms);
    // A rolled-back write may leave extra terms here: harmless, they expand to no match.
    if (this.vocab && terms) for (const term of terms.split(' ')) this.vocab.add(term);
    if (vector === null) this.stmt('DELETE FROM vectors WHERE memory_id = ?').run(memory.id);
    else if (vector !== undefined) {
      this.stmt('INSERT OR REPLACE INTO vectors (memory_id, model, dims, vector) VALUES (?, ?, ?, ?)').run(
        memory.id,
        this.model?.id ?? memory.embeddingModel ?? 'unknown',
        vector.length,
        vectorToBlob(vector),
      );
      this.noteModel();
    }
  }

  private writeVersion(version: MemoryVersion): void {
    this.stmt(INSERT_VERSION).run(toVersionRow(version, this.cipher));
  }

  async insert(records: StoredRecord[], op: VersionOp = 'create'): Promise<void> {
    this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    this.tx(() => {
      for (const { memory, vector } of records) {
        if (this.stmt('SELECT 1 FROM memories WHERE id = ?').get(memory.id)) {
          throw new ConflictError(`A memory with id ${memory.id} already exists; use update() or a new id.`);
        }
        this.writeRow(memory, vector, 'insert');
        this.writeVersion({ memoryId: memory.id, version: memory.version, op, at: memory.updatedAt, memory });
      }
    });
    for (const { memory, vector } of records) this.indexMemory(memory, vector ?? null);
  }

  async update(changes: UpdateChange[]): Promise<void> {
    this.conn();
    for (const { memory, vector } of changes) checkVector(vector, this.model, memory.id);
    this.tx(() => {
      for (const { memory, vector, op } of changes) {
        const row = this.stmt('SELECT version, user_id FROM memories WHERE id = ?').get(memory.id) as
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
        this.writeRow(memory, vector, 'update');
        this.writeVersion({ memoryId: memory.id, version: memory.version, op, at: memory.updatedAt, memory });
      }
    });
    for (const { memory, vector } of changes) this.indexMemory(memory, vector);
  }

  async restore(records: StoredRecord[], history: MemoryVersion[]): Promise<void> {
    this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    const byId = new Map<string, MemoryVersion[]>();
    for (const version of history)
      byId.set(version.memoryId, [...(byId.get(version.memoryId) ?? []), version]);
    this.tx(() => {
      for (const { memory, vector } of records) {
        const existing = this.stmt('SELECT rowid, user_id FROM memories WHERE id = ?').get(memory.id) as
          | { rowid: number; user_id: string }
          | undefined;
        if (existing && existing.user_id !== memory.userId) {
          throw new ConflictError(
            `Memory id ${memory.id} belongs to another user; refusing to overwrite it.`,
          );
        }
        if (existing) {
          this.stmt('DELETE FROM memories_fts WHERE rowid = ?').run(existing.rowid);
          this.stmt('DELETE FROM memories WHERE id = ?').run(memory.id);
        }
        this.writeRow(memory, vector ?? null, 'insert');
        const versions = byId.get(memory.id) ?? [
          {
            memoryId: memory.id,
            version: memory.version,
            op: 'import' as const,
            at: memory.updatedAt,
            memory,
          },
        ];
        for (const version of versions) this.writeVersion(version);
      }
    });
    for (const { memory, vector } of records) {
      this.index?.remove(memory.userId, memory.id);
      this.indexMemory(memory, vector ?? null);
    }
  }

  async touch(userId: string, ids: string[], at: string, strengthBoost = 0): Promise<void> {
    this.conn();
    this.tx(() => {
      for (const id of new Set(ids)) {
        this.stmt(
          'UPDATE memories SET access_count = access_count + 1, last_accessed_at = ?, strength = strength + ? WHERE id = ? AND user_id = ?',
        ).run(at, strengthBoost, id, userId);
      }
    });
  }

  async delete(userId: string, ids: string[]): Promise<number> {
    this.conn();
    const deleted: string[] = [];
    this.tx(() => {
      for (const id of new Set(ids)) {
        const row = this.stmt('SELECT rowid FROM memories WHERE id = ? AND user_id = ?').get(id, userId) as
          | { rowid: number }
          | undefined;
        if (!row) continue;
        this.stmt('DELETE FROM memories_fts WHERE rowid = ?').run(row.rowid);
        this.stmt('DELETE FROM memories WHERE rowid = ?').run(row.rowid);
        deleted.push(id);
      }
    });
    for (const id of deleted) this.index?.remove(userId, id);
    return deleted.length;
  }

  async deleteUser(userId: string): Promise<number> {
    this.conn();
    const count = this.tx(() => {
      this.stmt('DELETE FROM memories_fts WHERE rowid IN (SELECT rowid FROM memories WHERE user_id = ?)').run(
        userId,
      );
      return this.stmt('DELETE FROM memories WHERE user_id = ?').run(userId).changes;
    });
    this.index?.removeUser(userId);
    return count;
  }

  async replaceVectors(
    items: Array<{ userId: string; id: string; vector: Float32Array }>,
    model: ModelInfo,
  ): Promise<void> {
    this.conn();
    for (const item of items) checkVector(item.vector, model, item.id);
    this.tx(() => {
      for (const item of items) {
        const changed = this.stmt('UPDATE memories SET embedding_model = ? WHERE id = ? AND user_id = ?').run(
          model.id,
          item.id,
          item.userId,
        ).changes;
        if (changed === 0) {
          throw new ValidationError(
            `Memory ${item.id} does not exist for user ${item.userId}; no vectors were replaced.`,
          );
        }
        this.stmt('INSERT OR REPLACE INTO vectors (memory_id, model, dims, vector) VALUES (?, ?, ?, ?)').run(
          item.id,
          model.id,
          item.vector.length,
          vectorToBlob(item.vector),
        );
      }
      this.writeMeta('embedding_model', JSON.stringify(model));
    });
    if (!this.model || this.model.dimensions !== model.dimensions) {
      this.model = { ...model };
      this.loadIndex();
      return;
    }
    this.model = { ...model };
    for (const item of items) {
      const memory = await this.get(item.userId, item.id);
      if (memory) this.indexMemory(memory, item.vector);
    }
  }

  // ---- reads --------------------------------------------------------------------------

  private decode(row: MemoryRow): Memory {
    return fromRow(row, this.cipher);
  }

  async get(userId: string, id: string): Promise<Memory | null> {
    const row =
      this.conn() &&
      (this.stmt('SELECT * FROM memories WHERE id = ? AND user_id = ?').get(id, userId) as
        | MemoryRow
        | undefined);
    return row ? this.decode(row) : null;
  }

  async getMany(userId: string, ids: string[]): Promise<Memory[]> {
    this.conn();
    const rows = this.stmt(
      'SELECT * FROM memories WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))',
    ).all(userId, JSON.stringify([...new Set(ids)])) as MemoryRow[];
    return rows.map((r) => this.decode(r));
  }

  async getVectors(userId: string, ids: string[]): Promise<Map<string, Float32Array>> {
    this.conn();
    const rows = this.stmt(
      `SELECT v.memory_id, v.vector FROM vectors v JOIN memories m ON m.id = v.memory_id
       WHERE m.user_id = ? AND v.memory_id IN (SELECT value FROM json_each(?))`,
    ).all(userId, JSON.stringify([...new Set(ids)])) as Array<{ memory_id: string; vector: Buffer }>;
    return new Map(rows.map((r) => [r.memory_id, blobToVector(r.vector)]));
  }

  async list(filter: StoreFilter, page: { limit: number; cursor?: string }): Promise<Page<Memory>> {
    this.conn();
    if (!Number.isInteger(page.limit) || page.limit < 1)
      throw new ValidationError('limit must be a positive integer.');
    const where = whereFor(filter, { encrypted: this.cipher !== null });
    const check = compileFilter(filter);
    const items: Memory[] = [];
    let after = page.cursor ? decodeCursor(page.cursor) : null;
    const want = page.limit + 1;
    for (;;) {
      const cursorSql = after ? ' AND (m.created_at > ? OR (m.created_at = ? AND m.id > ?))' : '';
      const cursorParams = after ? [after.createdAt, after.createdAt, after.id] : [];
      const chunk = where.needsJsCheck ? SCAN_CHUNK : want - items.length;
      const rows = this.stmt(
        `SELECT m.* FROM memories m WHERE ${where.sql}${cursorSql} ORDER BY m.created_at, m.id LIMIT ?`,
      ).all(...where.params, ...cursorParams, chunk) as MemoryRow[];
      for (const row of rows) {
        const memory = this.decode(row);
        if (check(memory)) items.push(memory);
        if (items.length === want) break;
      }
      const last = rows.at(-1);
      if (items.length >= want || rows.length < chunk || !last) break;
      after = { createdAt: last.created_at, id: last.id };
    }
    const pageItems = items.slice(0, page.limit);
    const tail = pageItems.at(-1);
    return { items: pageItems, nextCursor: items.length > page.limit && tail ? encodeCursor(tail) : null };
  }

  async history(userId: string, id: string): Promise<MemoryVersion[]> {
    this.conn();
    const rows = this.stmt(
      `SELECT v.* FROM versions v JOIN memories m ON m.id = v.memory_id
       WHERE v.memory_id = ? AND m.user_id = ? ORDER BY v.version`,
    ).all(id, userId) as VersionRow[];
    return rows.map((r) => fromVersionRow(r, this.cipher));
  }

  /** Ids passing a filter the vector index cannot evaluate itself (metadata). */
  private allowedIds(filter: StoreFilter): Set<string> {
    const where = whereFor(filter, { encrypted: this.cipher !== null });
    const check = compileFilter(filter);
    const columns = where.needsJsCheck ? 'm.*' : 'm.id';
    const rows = this.stmt(`SELECT ${columns} FROM memories m WHERE ${where.sql}`).all(
      ...where.params,
    ) as MemoryRow[];
    const out = new Set<string>();
    for (const row of rows) if (!where.needsJsCheck || check(this.decode(row))) out.add(row.id);
    return out;
  }

  async vectorSearch(filter: StoreFilter, vector: Float32Array, k: number): Promise<ScoredId[]> {
    this.conn();
    if (this.model && vector.length !== this.model.dimensions) {
      throw new ValidationError(
        `Query vector has ${vector.length} dimensions; the store's model makes ${this.model.dimensions}.`,
      );
    }
    // Another process (the CLI beside a server) wrote to the file: reload the in-process index.
    if (this.index && this.dataVersion() !== this.indexDataVersion) this.loadIndex();
    if (!this.index || k <= 0) return [];
    const allowed =
      filter.metadata && Object.keys(filter.metadata).length > 0 ? this.allowedIds(filter) : undefined;
    const candidates = this.index.search(filter, vector, k, allowed);
    let results = candidates;
    if (this.index.precision === 'int8' && candidates.length > 0) {
      const exact = await this.getVectors(
        filter.userId,
        candidates.map((c) => c.id),
      );
      results = candidates.map((c) => ({
        id: c.id,
        score: exact.has(c.id) ? cosine(vector, exact.get(c.id)!) : c.score,
      }));
    }
    return results.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, k);
  }

  async keywordSearch(filter: StoreFilter, query: KeywordQuery, k: number): Promise<ScoredId[]> {
    this.conn();
    if (!query.ast || k <= 0) return [];
    const match = toFtsMatch(query.ast, {
      cipher: this.cipher,
      vocabulary: (min, max) => this.vocabulary(min, max),
    });
    if (match === null) return [];
    const where = whereFor(filter, { encrypted: this.cipher !== null });
    const limit = where.needsJsCheck ? -1 : k;
    const rows = this.stmt(
      `SELECT m.*, -bm25(memories_fts) AS score FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid
       WHERE memories_fts MATCH ? AND ${where.sql} ORDER BY score DESC, m.id LIMIT ?`,
    ).all(match, ...where.params, limit) as Array<MemoryRow & { score: number }>;
    const check = compileFilter(filter);
    const out: ScoredId[] = [];
    for (const row of rows) {
      if (where.needsJsCheck && !check(this.decode(row))) continue;
      out.push({ id: row.id, score: Math.max(row.score, 1e-9) });
      if (out.length === k) break;
    }
    return out;
  }

  async users(): Promise<string[]> {
    this.conn();
    return (
      this.stmt('SELECT DISTINCT user_id FROM memories ORDER BY user_id').all() as Array<{ user_id: string }>
    ).map((r) => r.user_id);
  }

  async stats(userId?: string): Promise<StoreStats> {
    this.conn();
    const scope = userId === undefined ? '' : 'WHERE m.user_id = ?';
    const args = userId === undefined ? [] : [userId];
    const layers = this.stmt(
      `SELECT m.layer AS layer, COUNT(*) AS count, SUM(m.bytes) AS bytes FROM memories m ${scope} GROUP BY m.layer`,
    ).all(...args) as Array<{ layer: Memory['layer']; count: number; bytes: number }>;
    const versions = this.stmt(
      `SELECT COUNT(*) AS n FROM versions v JOIN memories m ON m.id = v.memory_id ${scope}`,
    ).get(...args) as { n: number };
    const users = this.stmt(`SELECT COUNT(DISTINCT m.user_id) AS n FROM memories m ${scope}`).get(
      ...args,
    ) as {
      n: number;
    };
    const stats: StoreStats = { users: users.n, memories: 0, versions: versions.n, bytes: 0, byLayer: {} };
    for (const row of layers) {
      stats.memories += row.count;
      stats.bytes += row.bytes;
      stats.byLayer[row.layer] = { count: row.count, bytes: row.bytes };
    }
    return stats;
  }

  async *scan(options: { userId?: string; batchSize?: number }): AsyncIterable<StoredRecord[]> {
    this.conn();
    const size = Math.max(1, options.batchSize ?? SCAN_CHUNK);
    let after: { user: string; created: string; id: string } | null = null;
    for (;;) {
      const clauses: string[] = [];
      const params: unknown[] = [];
      if (options.userId !== undefined) {
        clauses.push('m.user_id = ?');
        params.push(options.userId);
      }
      if (after) {
        clauses.push('(m.user_id, m.created_at, m.id) > (?, ?, ?)');
        params.push(after.user, after.created, after.id);
      }
      const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
      const rows = this.stmt(
        `SELECT m.*, v.vector AS vec FROM memories m LEFT JOIN vectors v ON v.memory_id = m.id ${where}
         ORDER BY m.user_id, m.created_at, m.id LIMIT ?`,
      ).all(...params, size) as Array<MemoryRow & { vec: Buffer | null }>;
      if (rows.length === 0) return;
      yield rows.map((row) => ({ memory: this.decode(row), vector: row.vec ? blobToVector(row.vec) : null }));
      const last = rows.at(-1)!;
      after = { user: last.user_id, created: last.created_at, id: last.id };
      if (rows.length < size) return;
    }
  }

  // ---- operations ---------------------------------------------------------------------

  /** Consistent online copy (SQLite backup API) while the store keeps serving. */
  async backup(destination: string): Promise<string> {
    await this.conn().backup(destination);
    return destination;
  }

  /**
   * Re-encrypts every row and snapshot with the current key (also encrypting rows written
   * before encryption was enabled) and rebuilds the blind index; returns rows rewritten.
   * Idempotent and chunked so a crash midway leaves a store that still opens (old rows keep
   * their key id, which previousKeys decrypts).
   */
  async rotateKeys(): Promise<number> {
    const cipher = this.cipher;
    if (!cipher)
      throw new ConfigError(
        'rotateKeys() needs encryption.key (and the old keys in encryption.previousKeys).',
      );
    this.conn();
    let rewritten = 0;
    for (;;) {
      const rows = this.stmt('SELECT * FROM memories WHERE key_id IS NULL OR key_id != ? LIMIT ?').all(
        cipher.keyId,
        SCAN_CHUNK,
      ) as MemoryRow[];
      if (rows.length === 0) break;
      this.tx(() => {
        for (const row of rows) {
          const memory = this.decode(row);
          const params = toParams(memory, cipher);
          this.stmt('UPDATE memories SET content = ?, metadata = ?, key_id = ? WHERE id = ?').run(
            params.content,
            params.metadata,
            params.key_id,
            memory.id,
          );
          const versions = this.stmt('SELECT * FROM versions WHERE memory_id = ?').all(
            memory.id,
          ) as VersionRow[];
          for (const v of versions) this.writeVersion(fromVersionRow(v, cipher));
          rewritten += 1;
        }
      });
    }
    const stale = this.stmt('SELECT * FROM versions WHERE key_id IS NULL OR key_id != ? LIMIT ?');
    for (;;) {
      const rows = stale.all(cipher.keyId, SCAN_CHUNK) as VersionRow[];
      if (rows.length === 0) break;
      this.tx(() => {
        for (const v of rows) this.writeVersion(fromVersionRow(v, cipher));
      });
    }
    if (this.readMeta('fts_key') !== cipher.keyId) this.tx(() => this.reindexAll());
    return rewritten;
  }
}
