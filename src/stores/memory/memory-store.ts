/**
 * The in-memory MemoryStore: plain Maps, brute-force cosine for vectors and an in-process
 * BM25 evaluator for keyword queries. It exists for tests and throwaway sessions, and as
 * the reference behaviour for the conformance suite; it keeps its data across close()/
 * open() of the same instance so model-change checks behave like a persistent store.
 */
import { ClosedError, ConflictError, ValidationError } from '../../errors.ts';
import { toLanguage } from '../../text/languages.ts';
import type { KeywordQuery } from '../../text/query-ast.ts';
import type { Memory, MemoryVersion, Page, VersionOp } from '../../types.ts';
import { compareCreated, decodeCursor, encodeCursor } from '../shared/cursor.ts';
import { compileFilter } from '../shared/filter.ts';
import { searchDocs, type TokenDoc, toTokenDoc } from '../shared/keyword-eval.ts';
import {
  checkCommitBatch,
  checkVector,
  cloneMemory,
  cloneVersion,
  cosine,
  memoryBytes,
  modelMismatch,
  versionOf,
} from '../shared/records.ts';
import type {
  CommitBatch,
  MemoryStore,
  ModelInfo,
  OpenOptions,
  ScoredId,
  StoredRecord,
  StoreFilter,
  StoreStats,
  StoreUserStats,
  UpdateChange,
} from '../types.ts';

interface Entry {
  memory: Memory;
  vector: Float32Array | null;
  history: MemoryVersion[];
  doc: TokenDoc;
}

/** A history entry holding its own copy of the memory (entries are mutated in place). */
function snapshot(memory: Memory, op: VersionOp): MemoryVersion {
  return versionOf(cloneMemory(memory), op);
}

export class InMemoryStore implements MemoryStore {
  readonly kind = 'memory';
  readonly location = ':memory:';
  readonly capabilities = { prefix: true, fuzzy: true, persistent: false } as const;
  private entries = new Map<string, Entry>();
  /** Per-user state entries, by user then key (JSON copies, as a persistent store would keep). */
  private state = new Map<string, Map<string, string>>();
  private model: ModelInfo | null = null;
  private recordedModel: ModelInfo | null = null;
  private opened = false;

  async open(options: OpenOptions): Promise<void> {
    const stored = this.recordedModel;
    const hasVectors = [...this.entries.values()].some((e) => e.vector !== null);
    if (stored && hasVectors && stored.id !== options.model.id && !options.allowModelChange) {
      throw modelMismatch(stored, options.model, this.location);
    }
    if (stored && stored.id !== options.model.id && !hasVectors) this.recordedModel = null;
    this.model = options.model;
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  async storedModel(): Promise<ModelInfo | null> {
    return this.recordedModel ? { ...this.recordedModel } : null;
  }

  private ensureOpen(): void {
    if (!this.opened) throw new ClosedError('The in-memory store is not open; call open() first.');
  }

  private own(userId: string, id: string): Entry | undefined {
    const entry = this.entries.get(id);
    return entry && entry.memory.userId === userId ? entry : undefined;
  }

  private noteVector(vector: Float32Array | null | undefined): void {
    if (vector && !this.recordedModel && this.model) this.recordedModel = { ...this.model };
  }

  async insert(records: StoredRecord[], op: VersionOp = 'create'): Promise<void> {
    this.ensureOpen();
    this.checkInserts(records);
    this.applyInserts(records, op);
  }

  async update(changes: UpdateChange[]): Promise<void> {
    this.ensureOpen();
    this.checkUpdates(changes);
    this.applyUpdates(changes);
  }

  /** Validates the whole batch before touching any entry, so a failure changes nothing. */
  async commit(batch: CommitBatch): Promise<void> {
    this.ensureOpen();
    const inserts = batch.insert ?? [];
    const updates = batch.update ?? [];
    checkCommitBatch(inserts, updates);
    this.checkInserts(inserts);
    this.checkUpdates(updates);
    this.applyInserts(inserts, 'create');
    this.applyUpdates(updates);
  }

  private checkInserts(records: StoredRecord[]): void {
    const seen = new Set<string>();
    for (const { memory, vector } of records) {
      if (this.entries.has(memory.id) || seen.has(memory.id)) {
        throw new ConflictError(`A memory with id ${memory.id} already exists; use update() or a new id.`);
      }
      seen.add(memory.id);
      checkVector(vector, this.model, memory.id);
    }
  }

  private applyInserts(records: StoredRecord[], op: VersionOp): void {
    for (const { memory, vector } of records) {
      const copy = cloneMemory(memory);
      this.entries.set(memory.id, {
        memory: copy,
        vector: vector ? Float32Array.from(vector) : null,
        history: [snapshot(copy, op)],
        doc: toTokenDoc(memory.id, memory.content, toLanguage(memory.metadata.language)),
      });
      this.noteVector(vector);
    }
  }

  private checkUpdates(changes: UpdateChange[]): void {
    const expected = new Map<string, number>();
    for (const { memory, vector } of changes) {
      const entry = this.own(memory.userId, memory.id);
      if (!entry)
        throw new ConflictError(`Memory ${memory.id} does not exist for this user; nothing was updated.`);
      const current = expected.get(memory.id) ?? entry.memory.version;
      if (memory.version !== current + 1) {
        throw new ConflictError(
          `Memory ${memory.id} is at version ${current}, but the update expected to write version ${memory.version}; reload and retry.`,
          { retryable: true, details: { id: memory.id, storedVersion: current } },
        );
      }
      expected.set(memory.id, memory.version);
      checkVector(vector, this.model, memory.id);
    }
  }

  private applyUpdates(changes: UpdateChange[]): void {
    for (const { memory, vector, op } of changes) {
      const entry = this.entries.get(memory.id)!;
      entry.memory = cloneMemory(memory);
      if (vector !== undefined) entry.vector = vector ? Float32Array.from(vector) : null;
      entry.history.push(snapshot(memory, op));
      entry.doc = toTokenDoc(memory.id, memory.content, toLanguage(memory.metadata.language));
      this.noteVector(vector);
    }
  }

  async restore(records: StoredRecord[], history: MemoryVersion[]): Promise<void> {
    this.ensureOpen();
    for (const { memory, vector } of records) {
      const existing = this.entries.get(memory.id);
      if (existing && existing.memory.userId !== memory.userId) {
        throw new ConflictError(`Memory id ${memory.id} belongs to another user; refusing to overwrite it.`);
      }
      checkVector(vector, this.model, memory.id);
    }
    const byId = new Map<string, MemoryVersion[]>();
    for (const version of history) {
      const list = byId.get(version.memoryId) ?? [];
      list.push(cloneVersion(version));
      byId.set(version.memoryId, list);
    }
    for (const { memory, vector } of records) {
      const versions = (byId.get(memory.id) ?? []).sort((a, b) => a.version - b.version);
      const unique = versions.filter((v, i) => i === 0 || versions[i - 1]!.version !== v.version);
      this.entries.set(memory.id, {
        memory: cloneMemory(memory),
        vector: vector ? Float32Array.from(vector) : null,
        history: unique.length > 0 ? unique : [snapshot(memory, 'import')],
        doc: toTokenDoc(memory.id, memory.content, toLanguage(memory.metadata.language)),
      });
      this.noteVector(vector);
    }
  }

  async get(userId: string, id: string): Promise<Memory | null> {
    this.ensureOpen();
    const entry = this.own(userId, id);
    return entry ? cloneMemory(entry.memory) : null;
  }

  async getMany(userId: string, ids: string[]): Promise<Memory[]> {
    this.ensureOpen();
    const out: Memory[] = [];
    for (const id of new Set(ids)) {
      const entry = this.own(userId, id);
      if (entry) out.push(cloneMemory(entry.memory));
    }
    return out;
  }

  async getVectors(userId: string, ids: string[]): Promise<Map<string, Float32Array>> {
    this.ensureOpen();
    const out = new Map<string, Float32Array>();
    for (const id of ids) {
      const entry = this.own(userId, id);
      if (entry?.vector) out.set(id, Float32Array.from(entry.vector));
    }
    return out;
  }

  private matching(filter: StoreFilter): Entry[] {
    const test = compileFilter(filter);
    return [...this.entries.values()].filter((e) => test(e.memory));
  }

  async list(filter: StoreFilter, page: { limit: number; cursor?: string }): Promise<Page<Memory>> {
    this.ensureOpen();
    if (!Number.isInteger(page.limit) || page.limit < 1)
      throw new ValidationError('limit must be a positive integer.');
    const after = page.cursor ? decodeCursor(page.cursor) : null;
    const rows = this.matching(filter)
      .map((e) => e.memory)
      .filter((m) => after === null || compareCreated(m, after) > 0)
      .sort(compareCreated);
    const items = rows.slice(0, page.limit).map(cloneMemory);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > page.limit && last ? encodeCursor(last) : null };
  }

  async history(userId: string, id: string): Promise<MemoryVersion[]> {
    this.ensureOpen();
    const entry = this.own(userId, id);
    return entry ? entry.history.map(cloneVersion) : [];
  }

  async vectorSearch(filter: StoreFilter, vector: Float32Array, k: number): Promise<ScoredId[]> {
    this.ensureOpen();
    if (this.model && vector.length !== this.model.dimensions) {
      throw new ValidationError(
        `Query vector has ${vector.length} dimensions; the store's model makes ${this.model.dimensions}.`,
      );
    }
    return this.matching(filter)
      .filter((e) => e.vector !== null && e.vector.length === vector.length)
      .map((e) => ({ id: e.memory.id, score: cosine(vector, e.vector!) }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, Math.max(0, k));
  }

  async keywordSearch(filter: StoreFilter, query: KeywordQuery, k: number): Promise<ScoredId[]> {
    this.ensureOpen();
    if (!query.ast) return [];
    return searchDocs(
      this.matching(filter).map((e) => e.doc),
      query.ast,
      k,
    );
  }

  async touch(userId: string, ids: string[], at: string, strengthBoost = 0): Promise<void> {
    this.ensureOpen();
    for (const id of new Set(ids)) {
      const entry = this.own(userId, id);
      if (!entry) continue;
      entry.memory.accessCount += 1;
      entry.memory.lastAccessedAt = at;
      entry.memory.strength += strengthBoost;
    }
  }

  async delete(userId: string, ids: string[]): Promise<number> {
    this.ensureOpen();
    let count = 0;
    for (const id of new Set(ids)) {
      if (this.own(userId, id)) {
        this.entries.delete(id);
        count += 1;
      }
    }
    return count;
  }

  async deleteUser(userId: string): Promise<number> {
    this.ensureOpen();
    const ids = [...this.entries.values()].filter((e) => e.memory.userId === userId).map((e) => e.memory.id);
    this.state.delete(userId);
    return this.delete(userId, ids);
  }

  async getState(userId: string, key: string): Promise<unknown> {
    this.ensureOpen();
    const value = this.state.get(userId)?.get(key);
    return value === undefined ? null : JSON.parse(value);
  }

  async putState(userId: string, key: string, value: unknown): Promise<void> {
    this.ensureOpen();
    let entries = this.state.get(userId);
    if (!entries) {
      entries = new Map();
      this.state.set(userId, entries);
    }
    entries.set(key, JSON.stringify(value));
  }

  async listState(userId: string): Promise<Array<{ key: string; value: unknown }>> {
    this.ensureOpen();
    return [...(this.state.get(userId) ?? new Map<string, string>())]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => ({ key, value: JSON.parse(value) as unknown }));
  }

  async stateUsers(key: string): Promise<string[]> {
    this.ensureOpen();
    return [...this.state].filter(([, entries]) => entries.has(key)).map(([userId]) => userId);
  }

  async users(): Promise<string[]> {
    this.ensureOpen();
    return [...new Set([...this.entries.values()].map((e) => e.memory.userId))].sort();
  }

  async stats(userId?: string): Promise<StoreStats> {
    this.ensureOpen();
    const stats: StoreUserStats & { users: number } = {
      users: 0,
      memories: 0,
      versions: 0,
      bytes: 0,
      byLayer: {},
    };
    const users = new Set<string>();
    for (const { memory, history } of this.entries.values()) {
      if (userId !== undefined && memory.userId !== userId) continue;
      users.add(memory.userId);
      const bytes = memoryBytes(memory);
      stats.memories += 1;
      stats.versions += history.length;
      stats.bytes += bytes;
      const layer = stats.byLayer[memory.layer] ?? { count: 0, bytes: 0 };
      layer.count += 1;
      layer.bytes += bytes;
      stats.byLayer[memory.layer] = layer;
    }
    stats.users = users.size;
    return stats;
  }

  async *scan(options: { userId?: string; batchSize?: number }): AsyncIterable<StoredRecord[]> {
    this.ensureOpen();
    const size = Math.max(1, options.batchSize ?? 500);
    const rows = [...this.entries.values()]
      .filter((e) => options.userId === undefined || e.memory.userId === options.userId)
      .sort((a, b) =>
        a.memory.userId !== b.memory.userId
          ? a.memory.userId < b.memory.userId
            ? -1
            : 1
          : compareCreated(a.memory, b.memory),
      );
    for (let i = 0; i < rows.length; i += size) {
      yield rows.slice(i, i + size).map((e) => ({
        memory: cloneMemory(e.memory),
        vector: e.vector ? Float32Array.from(e.vector) : null,
      }));
    }
  }

  async replaceVectors(
    items: Array<{ userId: string; id: string; vector: Float32Array }>,
    model: ModelInfo,
  ): Promise<void> {
    this.ensureOpen();
    for (const item of items) {
      if (!this.own(item.userId, item.id)) {
        throw new ValidationError(
          `Memory ${item.id} does not exist for user ${item.userId}; no vectors were replaced.`,
        );
      }
      checkVector(item.vector, model, item.id);
    }
    for (const item of items) {
      const entry = this.entries.get(item.id)!;
      entry.vector = Float32Array.from(item.vector);
      entry.memory.embeddingModel = model.id;
    }
    this.recordedModel = { ...model };
    this.model = { ...model };
  }
}
