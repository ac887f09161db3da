/**
 * The Postgres store: memories, full version snapshots, pgvector embeddings (HNSW cosine
 * index) and a tsvector keyword column (GIN index over (user_id, tsv)) in one Postgres
 * database, reached through a pg.Pool. Every query carries `user_id = $1` (the cross-user
 * exceptions are the whole-store operations: users(), stats() without a user, scan() without
 * a user, and the key/model checks at open). Every multi-row write is one SERIALIZABLE
 * transaction, rerun on serialization failures; updates are optimistic (expected version,
 * row locked FOR UPDATE). Content, metadata and snapshots are encrypted in the application
 * when a Cipher is given (row-codec.ts says what stays in clear). Vector and keyword search
 * run in the database; BM25 scores are computed here from the matched rows' tsvectors so
 * the fused ranking agrees with the other stores (pg-search.ts).
 */
import { ClosedError, ConfigError, ConflictError, ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { KeywordQuery } from '../../text/query-ast.ts';
import type { Memory, MemoryVersion, Page, VersionOp } from '../../types.ts';
import type { Logger } from '../../util/logger.ts';
import { decodeCursor, encodeCursor } from '../shared/cursor.ts';
import { compileFilter } from '../shared/filter.ts';
import { checkCommitBatch, checkVector, modelMismatch, versionOf } from '../shared/records.ts';
import { tokensKey } from '../shared/tokens-key.ts';
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
import { PostgresConnection, type Sql, sqlStateOf } from './connection.ts';
import { ftsConfigFor, indexTokens, STRATA_CONFIG, tokenLanguage, tsvectorLiteral } from './keyword.ts';
import { ensureVectorIndex, migratePostgres } from './migrations.ts';
import { keywordSearch, vectorSearch } from './pg-search.ts';
import {
  fromRow,
  fromVersionRow,
  MEMORY_COLUMNS,
  MEMORY_SELECT,
  memoryParams,
  type PgMemoryRow,
  type PgVersionRow,
  parseVector,
  vectorLiteral,
  versionParams,
} from './row-codec.ts';
import { whereFor } from './sql-filter.ts';

export interface PostgresStoreOptions {
  /** Connection string: postgres://user:password@host:port/database */
  url: string;
  /** Connections in the pg.Pool (default 10). */
  poolSize?: number;
  /** Reruns of a transaction after a serialization failure or deadlock (default 5). */
  retries?: number;
  /** Encrypts content/metadata/snapshots in the application; null/undefined stores plaintext. */
  cipher?: Cipher | null;
  logger?: Logger;
  /** Backoff bounds of transaction reruns; tests shrink them. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** How `pg` is imported (a test seam). */
  importPg?: () => Promise<unknown>;
}

const CHUNK = 500;
/** Postgres types of INSERT_MEMORY's parameters, for the multi-row (unnest) form. */
const MEMORY_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'text',
  'int4',
  'text',
  'float8',
  'float8',
  'int4',
  'text',
  'text',
  'text',
  'text',
  'text',
  'bytea',
  'text',
  'bytea',
  'text',
  'int4',
  'text',
  'int4',
  'text',
];
const BULK_INSERT_MEMORY = `INSERT INTO strata_memories (${MEMORY_COLUMNS.join(', ')}, fts_config, token_count, tsv)
  SELECT ${MEMORY_COLUMNS.map((c) => `r.${c}`).join(', ')}, r.fts_config, r.token_count,
    CASE WHEN r.fts_config = '${STRATA_CONFIG}' THEN r.tsv::tsvector ELSE to_tsvector(r.fts_config::regconfig, r.content) END
  FROM unnest(${MEMORY_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})
    AS r(${MEMORY_COLUMNS.join(', ')}, fts_config, token_count, tsv)`;
const VERSION_TYPES = ['text', 'text', 'int4', 'text', 'text', 'text', 'bytea', 'text'];
const BULK_INSERT_VERSION = `INSERT INTO strata_versions (user_id, memory_id, version, op, at, snapshot, snapshot_sealed, key_id)
  SELECT * FROM unnest(${VERSION_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
const BULK_INSERT_VECTOR = `INSERT INTO strata_vectors (user_id, memory_id, model, dims, embedding)
  SELECT r.u, r.i, r.m, r.d, r.e::vector FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[]) AS r(u, i, m, d, e)`;
const INSERT_MEMORY = `INSERT INTO strata_memories (${MEMORY_COLUMNS.join(', ')}, fts_config, token_count, tsv)
  VALUES (${MEMORY_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')}, $21, $22,
  CASE WHEN $21 = '${STRATA_CONFIG}' THEN $23::tsvector ELSE to_tsvector($21::regconfig, $15::text) END)`;
const UPDATE_MEMORY = `UPDATE strata_memories SET ${MEMORY_COLUMNS.slice(2)
  .map((c, i) => `${c} = $${i + 3}`)
  .join(', ')}, fts_config = $21, token_count = $22,
  tsv = CASE WHEN $21 = '${STRATA_CONFIG}' THEN $23::tsvector ELSE to_tsvector($21::regconfig, $15::text) END
  WHERE user_id = $1 AND id = $2`;
const UPDATE_TSV = `UPDATE strata_memories SET fts_config = $3, token_count = $4,
  tsv = CASE WHEN $3 = '${STRATA_CONFIG}' THEN $5::tsvector ELSE to_tsvector($3::regconfig, content) END
  WHERE user_id = $1 AND id = $2`;
const INSERT_VERSION = `INSERT INTO strata_versions (user_id, memory_id, version, op, at, snapshot, snapshot_sealed, key_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
  ON CONFLICT (user_id, memory_id, version) DO UPDATE SET op = EXCLUDED.op, at = EXCLUDED.at,
  snapshot = EXCLUDED.snapshot, snapshot_sealed = EXCLUDED.snapshot_sealed, key_id = EXCLUDED.key_id`;
const UPSERT_VECTOR = `INSERT INTO strata_vectors (user_id, memory_id, model, dims, embedding) VALUES ($1, $2, $3, $4, $5::vector)
  ON CONFLICT (user_id, memory_id) DO UPDATE SET model = EXCLUDED.model, dims = EXCLUDED.dims, embedding = EXCLUDED.embedding`;

export class PostgresStore implements MemoryStore {
  readonly kind = 'postgres';
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  private c: PostgresConnection | null = null;
  private model: ModelInfo | null = null;
  private iterativeScan = false;
  private readonly cipher: Cipher | null;

  constructor(readonly settings: PostgresStoreOptions) {
    this.cipher = settings.cipher ?? null;
    this.location = new PostgresConnection({ url: settings.url, poolSize: 1, retries: 0 }).location;
    const plain = this.cipher === null;
    this.capabilities = { prefix: plain, fuzzy: plain, persistent: true };
  }

  // ---- lifecycle ----------------------------------------------------------------------

  async open(options: OpenOptions): Promise<void> {
    if (this.c) await this.close();
    const c = new PostgresConnection({
      url: this.settings.url,
      poolSize: this.settings.poolSize ?? 10,
      retries: this.settings.retries ?? 5,
      ...(this.settings.logger ? { logger: this.settings.logger } : {}),
      ...(this.settings.minDelayMs === undefined ? {} : { minDelayMs: this.settings.minDelayMs }),
      ...(this.settings.maxDelayMs === undefined ? {} : { maxDelayMs: this.settings.maxDelayMs }),
      ...(this.settings.importPg ? { importPg: this.settings.importPg } : {}),
    });
    this.c = c;
    try {
      await migratePostgres(c);
      await this.checkKeys(c);
      await this.checkModel(c, options);
      this.model = { ...options.model };
      await ensureVectorIndex(c, options.model.dimensions);
      const version = await c.query<{ v: string }>(
        "SELECT extversion AS v FROM pg_extension WHERE extname = 'vector'",
      );
      const [major = 0, minor = 0] = (version[0]?.v ?? '0.0').split('.').map(Number);
      this.iterativeScan = major > 0 || minor >= 8;
      if ((await this.readMeta(c, 'fts_key')) !== this.ftsKey) await this.reindexAll(c);
    } catch (error) {
      this.c = null;
      await c.close().catch(() => undefined);
      throw error;
    }
  }

  /** The key and tokenizer the tsvectors were written with: a change rebuilds them at open. */
  private get ftsKey(): string {
    return tokensKey(this.cipher);
  }

  /** Refuses to open encrypted data without its key, before anything is read. */
  private async checkKeys(c: PostgresConnection): Promise<void> {
    const rows = await c.query<{ key_id: string }>(
      `SELECT DISTINCT key_id FROM (SELECT key_id FROM strata_memories WHERE key_id IS NOT NULL
       UNION SELECT key_id FROM strata_versions WHERE key_id IS NOT NULL) k`,
    );
    for (const { key_id: keyId } of rows) {
      if (!this.cipher) {
        throw new ConfigError(
          `The Postgres database at ${c.location} holds encrypted memories (key ${keyId}); set encryption.key or encryption.keyFile to open it.`,
        );
      }
      if (!this.cipher.knows(keyId)) {
        throw new ConfigError(
          `The Postgres database at ${c.location} holds memories encrypted with key ${keyId}, which is not configured; add it to encryption.previousKeys.`,
        );
      }
    }
  }

  /** Refuses vectors of another model (meta, or per-row tags after an interrupted re-embed). */
  private async checkModel(c: PostgresConnection, options: OpenOptions): Promise<void> {
    const stored = await this.readModelFrom(c);
    const any = await c.query<{ e: boolean }>('SELECT EXISTS (SELECT 1 FROM strata_vectors) AS e');
    const vectors = any[0]?.e === true;
    if (stored && vectors && stored.id !== options.model.id && !options.allowModelChange) {
      throw modelMismatch(stored, options.model, this.location);
    }
    const foreign = await c.query<{ model: string; dims: number }>(
      'SELECT model, dims FROM strata_vectors WHERE model <> $1 LIMIT 1',
      [options.model.id],
    );
    if (foreign[0] && !options.allowModelChange) {
      throw modelMismatch(
        { id: foreign[0].model, dimensions: foreign[0].dims },
        options.model,
        this.location,
      );
    }
    if (stored && !vectors && stored.id !== options.model.id) {
      await c.query("DELETE FROM strata_meta WHERE key = 'embedding_model'");
    }
  }

  async close(): Promise<void> {
    const c = this.c;
    this.c = null;
    await c?.close();
  }

  async storedModel(): Promise<ModelInfo | null> {
    return this.readModelFrom(this.conn());
  }

  private conn(): PostgresConnection {
    if (!this.c)
      throw new ClosedError(`The Postgres store at ${this.location} is not open; call open() first.`);
    return this.c;
  }

  private async readMeta(sql: Sql, key: string): Promise<string | null> {
    const rows = await sql.query<{ value: string }>('SELECT value FROM strata_meta WHERE key = $1', [key]);
    return rows[0]?.value ?? null;
  }

  private async writeMeta(sql: Sql, key: string, value: string): Promise<void> {
    await sql.query(
      'INSERT INTO strata_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
      [key, value],
    );
  }

  private async readModelFrom(sql: Sql): Promise<ModelInfo | null> {
    const raw = await this.readMeta(sql, 'embedding_model');
    return raw ? (JSON.parse(raw) as ModelInfo) : null;
  }

  // ---- writes -------------------------------------------------------------------------

  /** The parameters of INSERT_MEMORY / UPDATE_MEMORY for a memory. */
  private rowParams(memory: Memory): unknown[] {
    const config = ftsConfigFor(memory, this.cipher);
    const tokens = indexTokens(memory.content, this.cipher, memory.userId, tokenLanguage(memory));
    return [
      ...memoryParams(memory, this.cipher),
      config,
      tokens.length,
      config === STRATA_CONFIG ? tsvectorLiteral(tokens) : '',
    ];
  }

  /** Writes the memory's row (+ its language), its vector unless undefined; inside a transaction. */
  private async writeRow(
    sql: Sql,
    memory: Memory,
    vector: Float32Array | null | undefined,
    mode: 'insert' | 'update',
  ): Promise<void> {
    const params = this.rowParams(memory);
    if (mode === 'insert') {
      try {
        await sql.query(INSERT_MEMORY, params);
      } catch (error) {
        if (sqlStateOf(error) === '23505') {
          throw new ConflictError(`A memory with id ${memory.id} already exists; use update() or a new id.`);
        }
        throw error;
      }
    } else {
      await sql.query(UPDATE_MEMORY, params);
    }
    const config = params[20] as string;
    if (config !== STRATA_CONFIG) {
      await sql.query(
        'INSERT INTO strata_fts_configs (user_id, config) VALUES ($1, $2) ON CONFLICT DO NOTHING',
        [memory.userId, config],
      );
    }
    if (vector === null) {
      await sql.query('DELETE FROM strata_vectors WHERE user_id = $1 AND memory_id = $2', [
        memory.userId,
        memory.id,
      ]);
    } else if (vector !== undefined) {
      const modelId = this.model?.id ?? memory.embeddingModel ?? 'unknown';
      await this.writeVector(sql, memory.userId, memory.id, modelId, vector);
      if (this.model && !(await this.readModelFrom(sql))) {
        await this.writeMeta(sql, 'embedding_model', JSON.stringify(this.model));
      }
    }
  }

  private async writeVector(
    sql: Sql,
    userId: string,
    id: string,
    modelId: string,
    vector: Float32Array,
  ): Promise<void> {
    await sql.query(UPSERT_VECTOR, [userId, id, modelId, vector.length, vectorLiteral(vector)]);
  }

  private async writeVersion(sql: Sql, userId: string, version: MemoryVersion): Promise<void> {
    await sql.query(INSERT_VERSION, [userId, ...versionParams(version, this.cipher)]);
  }

  async insert(records: StoredRecord[], op: VersionOp = 'create'): Promise<void> {
    const c = this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    if (records.length === 0) return;
    await c.tx('insert', (sql) => this.insertRows(sql, records, op));
  }

  async update(changes: UpdateChange[]): Promise<void> {
    const c = this.conn();
    for (const { memory, vector } of changes) checkVector(vector, this.model, memory.id);
    if (changes.length === 0) return;
    await c.tx('update', (sql) => this.updateRows(sql, changes));
  }

  /** Inserts then updates in ONE transaction: a stale version rolls the inserts back too. */
  async commit(batch: CommitBatch): Promise<void> {
    const c = this.conn();
    const inserts = batch.insert ?? [];
    const updates = batch.update ?? [];
    checkCommitBatch(inserts, updates);
    for (const { memory, vector } of [...inserts, ...updates]) checkVector(vector, this.model, memory.id);
    if (inserts.length === 0 && updates.length === 0) return;
    await c.tx('commit', async (sql) => {
      await this.insertRows(sql, inserts, 'create');
      await this.updateRows(sql, updates);
    });
  }

  /**
   * Inserts in multi-row statements (unnest of column arrays, 500 rows each): memories, then
   * versions, vectors and language configurations. A taken id fails the statement (unique
   * violation) and with it the transaction.
   */
  private async insertRows(sql: Sql, records: StoredRecord[], op: VersionOp): Promise<void> {
    const seen = new Set<string>();
    for (const { memory } of records) {
      if (seen.has(memory.id)) {
        throw new ConflictError(
          `A memory with id ${memory.id} is inserted twice in one batch; nothing was written.`,
        );
      }
      seen.add(memory.id);
    }
    for (let start = 0; start < records.length; start += CHUNK) {
      const chunk = records.slice(start, start + CHUNK);
      const rows = chunk.map(({ memory }) => this.rowParams(memory));
      const columns = MEMORY_TYPES.map((_, i) => rows.map((row) => row[i]));
      try {
        await sql.query(BULK_INSERT_MEMORY, columns);
      } catch (error) {
        if (sqlStateOf(error) === '23505') {
          const detail = String((error as { detail?: unknown }).detail ?? '');
          const id = /\(id\)=\((.*)\)/.exec(detail)?.[1] ?? chunk.find(() => true)?.memory.id;
          throw new ConflictError(`A memory with id ${id} already exists; use update() or a new id.`);
        }
        throw error;
      }
      const versions = chunk.map(({ memory }) => [
        memory.userId,
        ...versionParams(versionOf(memory, op), this.cipher),
      ]);
      await sql.query(
        BULK_INSERT_VERSION,
        VERSION_TYPES.map((_, i) => versions.map((v) => v[i])),
      );
      const withVectors = chunk.filter((r) => r.vector);
      if (withVectors.length > 0) {
        const modelId = (m: Memory) => this.model?.id ?? m.embeddingModel ?? 'unknown';
        await sql.query(BULK_INSERT_VECTOR, [
          withVectors.map((r) => r.memory.userId),
          withVectors.map((r) => r.memory.id),
          withVectors.map((r) => modelId(r.memory)),
          withVectors.map((r) => r.vector!.length),
          withVectors.map((r) => vectorLiteral(r.vector!)),
        ]);
        if (this.model && !(await this.readModelFrom(sql))) {
          await this.writeMeta(sql, 'embedding_model', JSON.stringify(this.model));
        }
      }
      const languages = rows.filter((row) => row[20] !== STRATA_CONFIG);
      if (languages.length > 0) {
        await sql.query(
          `INSERT INTO strata_fts_configs (user_id, config) SELECT DISTINCT * FROM unnest($1::text[], $2::text[])
           ON CONFLICT DO NOTHING`,
          [languages.map((row) => row[0]), languages.map((row) => row[20])],
        );
      }
    }
  }

  private async updateRows(sql: Sql, changes: UpdateChange[]): Promise<void> {
    for (const { memory, vector, op } of changes) {
      const rows = await sql.query<{ version: number }>(
        'SELECT version FROM strata_memories WHERE user_id = $1 AND id = $2 FOR UPDATE',
        [memory.userId, memory.id],
      );
      const row = rows[0];
      if (!row)
        throw new ConflictError(`Memory ${memory.id} does not exist for this user; nothing was updated.`);
      if (memory.version !== row.version + 1) {
        throw new ConflictError(
          `Memory ${memory.id} is at version ${row.version}, but the update expected to write version ${memory.version}; reload and retry.`,
          { retryable: true, details: { id: memory.id, storedVersion: row.version } },
        );
      }
      await this.writeRow(sql, memory, vector, 'update');
      await this.writeVersion(sql, memory.userId, versionOf(memory, op));
    }
  }

  async restore(records: StoredRecord[], history: MemoryVersion[]): Promise<void> {
    const c = this.conn();
    for (const { memory, vector } of records) checkVector(vector, this.model, memory.id);
    const byId = new Map<string, MemoryVersion[]>();
    for (const version of history)
      byId.set(version.memoryId, [...(byId.get(version.memoryId) ?? []), version]);
    if (records.length === 0) return;
    await c.tx('restore', async (sql) => {
      for (const { memory, vector } of records) {
        await sql.query('DELETE FROM strata_memories WHERE user_id = $1 AND id = $2', [
          memory.userId,
          memory.id,
        ]);
        try {
          await this.writeRow(sql, memory, vector ?? null, 'insert');
        } catch (error) {
          if (ConflictError.isInstance(error)) {
            throw new ConflictError(
              `Memory id ${memory.id} belongs to another user; refusing to overwrite it.`,
            );
          }
          throw error;
        }
        for (const version of byId.get(memory.id) ?? [versionOf(memory, 'import')]) {
          await this.writeVersion(sql, memory.userId, version);
        }
      }
    });
  }

  async touch(userId: string, ids: string[], at: string, strengthBoost = 0): Promise<void> {
    if (ids.length === 0) return;
    await this.conn().tx('touch', async (sql) => {
      await sql.query(
        `UPDATE strata_memories SET access_count = access_count + 1, last_accessed_at = $2, strength = strength + $3
         WHERE user_id = $1 AND id = ANY($4::text[])`,
        [userId, at, strengthBoost, [...new Set(ids)]],
      );
    });
  }

  async delete(userId: string, ids: string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.conn().tx('delete', async (sql) => {
      const rows = await sql.query(
        'DELETE FROM strata_memories WHERE user_id = $1 AND id = ANY($2::text[]) RETURNING id',
        [userId, [...new Set(ids)]],
      );
      return rows.length;
    });
  }

  async deleteUser(userId: string): Promise<number> {
    return this.conn().tx('deleteUser', async (sql) => {
      const rows = await sql.query<{ n: number }>(
        'WITH gone AS (DELETE FROM strata_memories WHERE user_id = $1 RETURNING 1) SELECT COUNT(*)::int AS n FROM gone',
        [userId],
      );
      await sql.query('DELETE FROM strata_fts_configs WHERE user_id = $1', [userId]);
      return rows[0]?.n ?? 0;
    });
  }

  async replaceVectors(
    items: Array<{ userId: string; id: string; vector: Float32Array }>,
    model: ModelInfo,
  ): Promise<void> {
    const c = this.conn();
    for (const item of items) checkVector(item.vector, model, item.id);
    await c.tx('replaceVectors', async (sql) => {
      for (const item of items) {
        const changed = await sql.query(
          'UPDATE strata_memories SET embedding_model = $3 WHERE user_id = $1 AND id = $2 RETURNING id',
          [item.userId, item.id, model.id],
        );
        if (changed.length === 0) {
          throw new ValidationError(
            `Memory ${item.id} does not exist for user ${item.userId}; no vectors were replaced.`,
          );
        }
        await this.writeVector(sql, item.userId, item.id, model.id, item.vector);
      }
      await this.writeMeta(sql, 'embedding_model', JSON.stringify(model));
    });
    if (!this.model || this.model.dimensions !== model.dimensions)
      await ensureVectorIndex(c, model.dimensions);
    this.model = { ...model };
  }

  // ---- reads --------------------------------------------------------------------------

  async get(userId: string, id: string): Promise<Memory | null> {
    const rows = await this.conn().query<PgMemoryRow>(
      `SELECT ${MEMORY_SELECT} FROM strata_memories m WHERE m.user_id = $1 AND m.id = $2`,
      [userId, id],
    );
    return rows[0] ? fromRow(rows[0], this.cipher) : null;
  }

  async getMany(userId: string, ids: string[]): Promise<Memory[]> {
    if (ids.length === 0) return [];
    const rows = await this.conn().query<PgMemoryRow>(
      `SELECT ${MEMORY_SELECT} FROM strata_memories m WHERE m.user_id = $1 AND m.id = ANY($2::text[])
       ORDER BY m.created_at, m.id`,
      [userId, [...new Set(ids)]],
    );
    return rows.map((r) => fromRow(r, this.cipher));
  }

  async getVectors(userId: string, ids: string[]): Promise<Map<string, Float32Array>> {
    if (ids.length === 0) return new Map();
    const rows = await this.conn().query<{ memory_id: string; embedding: string }>(
      'SELECT memory_id, embedding::text AS embedding FROM strata_vectors WHERE user_id = $1 AND memory_id = ANY($2::text[])',
      [userId, [...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.memory_id, parseVector(r.embedding)]));
  }

  async list(filter: StoreFilter, page: { limit: number; cursor?: string }): Promise<Page<Memory>> {
    if (!Number.isInteger(page.limit) || page.limit < 1)
      throw new ValidationError('limit must be a positive integer.');
    const c = this.conn();
    const where = whereFor(filter);
    const check = compileFilter(filter);
    const items: Memory[] = [];
    let after = page.cursor ? decodeCursor(page.cursor) : null;
    const want = page.limit + 1;
    for (;;) {
      const n = where.params.length;
      const cursorSql = after ? ` AND (m.created_at, m.id) > ($${n + 1}, $${n + 2})` : '';
      const cursorParams = after ? [after.createdAt, after.id] : [];
      const chunk = where.needsJsCheck ? CHUNK : want - items.length;
      const limitAt = n + cursorParams.length + 1;
      const rows = await c.query<PgMemoryRow>(
        `SELECT ${MEMORY_SELECT} FROM strata_memories m WHERE ${where.sql}${cursorSql}
         ORDER BY m.created_at, m.id LIMIT $${limitAt}`,
        [...where.params, ...cursorParams, chunk],
      );
      for (const row of rows) {
        const memory = fromRow(row, this.cipher);
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

  async latestCreatedAt(filter: StoreFilter): Promise<string | null> {
    const c = this.conn();
    const where = whereFor(filter);
    if (!where.needsJsCheck) {
      const rows = await c.query<{ at: string | null }>(
        `SELECT MAX(m.created_at) AS at FROM strata_memories m WHERE ${where.sql}`,
        where.params,
      );
      return rows[0]?.at ?? null;
    }
    const check = compileFilter(filter);
    const n = where.params.length;
    let after: { createdAt: string; id: string } | null = null;
    for (;;) {
      const cursorSql = after ? ` AND (m.created_at, m.id) < ($${n + 1}, $${n + 2})` : '';
      const rows: PgMemoryRow[] = await c.query<PgMemoryRow>(
        `SELECT ${MEMORY_SELECT} FROM strata_memories m WHERE ${where.sql}${cursorSql}
         ORDER BY m.created_at DESC, m.id DESC LIMIT ${CHUNK}`,
        [...where.params, ...(after ? [after.createdAt, after.id] : [])],
      );
      for (const row of rows) if (check(fromRow(row, this.cipher))) return row.created_at;
      const last = rows.at(-1);
      if (!last || rows.length < CHUNK) return null;
      after = { createdAt: last.created_at, id: last.id };
    }
  }

  async history(userId: string, id: string): Promise<MemoryVersion[]> {
    const rows = await this.conn().query<PgVersionRow>(
      `SELECT memory_id, version, op, at, snapshot, snapshot_sealed, key_id FROM strata_versions
       WHERE user_id = $1 AND memory_id = $2 ORDER BY version`,
      [userId, id],
    );
    return rows.map((r) => fromVersionRow(r, this.cipher));
  }

  async vectorSearch(filter: StoreFilter, vector: Float32Array, k: number): Promise<ScoredId[]> {
    return vectorSearch(
      { c: this.conn(), cipher: this.cipher, model: this.model, iterativeScan: this.iterativeScan },
      filter,
      vector,
      k,
    );
  }

  async keywordSearch(filter: StoreFilter, query: KeywordQuery, k: number): Promise<ScoredId[]> {
    if (!query.ast || k <= 0) return [];
    return keywordSearch(
      { c: this.conn(), cipher: this.cipher, model: this.model, iterativeScan: this.iterativeScan },
      filter,
      query.ast,
      k,
    );
  }

  async users(): Promise<string[]> {
    const rows = await this.conn().query<{ user_id: string }>(
      'SELECT DISTINCT user_id FROM strata_memories ORDER BY user_id',
    );
    return rows.map((r) => r.user_id);
  }

  async stats(userId?: string): Promise<StoreStats> {
    const c = this.conn();
    const scope = userId === undefined ? '' : 'WHERE user_id = $1';
    const args = userId === undefined ? [] : [userId];
    const layers = await c.query<{ layer: Memory['layer']; count: number; bytes: string }>(
      `SELECT layer, COUNT(*)::int AS count, SUM(bytes)::bigint AS bytes FROM strata_memories ${scope} GROUP BY layer`,
      args,
    );
    const versions = await c.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM strata_versions ${scope}`,
      args,
    );
    const users = await c.query<{ n: number }>(
      `SELECT COUNT(DISTINCT user_id)::int AS n FROM strata_memories ${scope}`,
      args,
    );
    const stats: StoreStats = {
      users: users[0]?.n ?? 0,
      memories: 0,
      versions: versions[0]?.n ?? 0,
      bytes: 0,
      byLayer: {},
    };
    for (const row of layers) {
      const bytes = Number(row.bytes);
      stats.memories += row.count;
      stats.bytes += bytes;
      stats.byLayer[row.layer] = { count: row.count, bytes };
    }
    return stats;
  }

  /** Keyset-paginated batches ordered by (userId, createdAt, id), each with its vector. */
  async *scan(options: { userId?: string; batchSize?: number }): AsyncIterable<StoredRecord[]> {
    const size = Math.max(1, options.batchSize ?? CHUNK);
    let after: { user: string; created: string; id: string } | null = null;
    for (;;) {
      const clauses: string[] = [];
      const params: unknown[] = [];
      if (options.userId !== undefined) {
        params.push(options.userId);
        clauses.push(`m.user_id = $${params.length}`);
      }
      if (after) {
        params.push(after.user, after.created, after.id);
        const n = params.length;
        clauses.push(`(m.user_id, m.created_at, m.id) > ($${n - 2}, $${n - 1}, $${n})`);
      }
      params.push(size);
      const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
      const rows: Array<PgMemoryRow & { vec: string | null }> = await this.conn().query(
        `SELECT ${MEMORY_SELECT}, v.embedding::text AS vec FROM strata_memories m
         LEFT JOIN strata_vectors v ON v.user_id = m.user_id AND v.memory_id = m.id ${where}
         ORDER BY m.user_id, m.created_at, m.id LIMIT $${params.length}`,
        params,
      );
      if (rows.length === 0) return;
      yield rows.map((row) => ({
        memory: fromRow(row, this.cipher),
        vector: row.vec ? parseVector(row.vec) : null,
      }));
      const last = rows.at(-1)!;
      after = { user: last.user_id, created: last.created_at, id: last.id };
      if (rows.length < size) return;
    }
  }

  // ---- maintenance --------------------------------------------------------------------

  /** Rebuilds every keyword tsvector from (decrypted) content, in pages (after a key change); records the key. */
  private async reindexAll(c: PostgresConnection): Promise<void> {
    let after: { user: string; id: string } | null = null;
    for (;;) {
      const cursor = after;
      const rows: PgMemoryRow[] = await c.query<PgMemoryRow>(
        `SELECT ${MEMORY_SELECT} FROM strata_memories m ${cursor ? 'WHERE (m.user_id, m.id) > ($1, $2)' : ''}
         ORDER BY m.user_id, m.id LIMIT ${CHUNK}`,
        cursor ? [cursor.user, cursor.id] : [],
      );
      if (rows.length === 0) break;
      await c.tx('reindex', async (sql) => {
        for (const row of rows) {
          const memory = fromRow(row, this.cipher);
          const config = ftsConfigFor(memory, this.cipher);
          const tokens = indexTokens(memory.content, this.cipher, memory.userId, tokenLanguage(memory));
          await sql.query(UPDATE_TSV, [
            memory.userId,
            memory.id,
            config,
            tokens.length,
            config === STRATA_CONFIG ? tsvectorLiteral(tokens) : '',
          ]);
        }
      });
      const last = rows.at(-1)!;
      after = { user: last.user_id, id: last.id };
      if (rows.length < CHUNK) break;
    }
    await this.writeMeta(c, 'fts_key', this.ftsKey);
  }

  /**
   * Re-encrypts every memory and snapshot with the current key (rows written before
   * encryption was enabled too) and rebuilds the blind index; returns memories rewritten.
   * Chunked and idempotent: a crash midway leaves rows under old keys that previousKeys
   * still decrypt, and a rerun finishes the job.
   */
  async rotateKeys(): Promise<number> {
    const cipher = this.cipher;
    if (!cipher) {
      throw new ConfigError(
        'rotateKeys() needs encryption.key (and the old keys in encryption.previousKeys).',
      );
    }
    const c = this.conn();
    let rewritten = 0;
    for (;;) {
      const rows = await c.query<PgMemoryRow>(
        `SELECT ${MEMORY_SELECT} FROM strata_memories m WHERE m.key_id IS DISTINCT FROM $1 LIMIT ${CHUNK}`,
        [cipher.keyId],
      );
      if (rows.length === 0) break;
      await c.tx('rotateKeys', async (sql) => {
        for (const row of rows) await sql.query(UPDATE_MEMORY, this.rowParams(fromRow(row, cipher)));
      });
      rewritten += rows.length;
    }
    for (;;) {
      const rows = await c.query<PgVersionRow & { user_id: string }>(
        `SELECT user_id, memory_id, version, op, at, snapshot, snapshot_sealed, key_id FROM strata_versions
         WHERE key_id IS DISTINCT FROM $1 LIMIT ${CHUNK}`,
        [cipher.keyId],
      );
      if (rows.length === 0) break;
      await c.tx('rotateKeys', async (sql) => {
        for (const row of rows) await this.writeVersion(sql, row.user_id, fromVersionRow(row, cipher));
      });
    }
    await this.reindexAll(c);
    return rewritten;
  }
}
