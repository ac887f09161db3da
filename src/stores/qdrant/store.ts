/**
 * QdrantStore: the MemoryStore on a Qdrant server or cluster. Nothing touches the network
 * in the constructor; open() makes one attempt to prepare the collections (so a model
 * mismatch is refused at open as on SQLite) and, if Qdrant is not up yet, stays lazy: the
 * first operation prepares them with retry and backoff, and a StoreUnavailableError with
 * the URL and the docker command is raised only once retries are exhausted. Preparation
 * is single-flight and is retried on the next call after a failure.
 */
import { ClosedError, ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { KeywordQuery } from '../../text/query-ast.ts';
import type { Memory, MemoryVersion, Page, VersionOp } from '../../types.ts';
import { type Logger, silentLogger } from '../../util/logger.ts';
import { modelMismatch } from '../shared/records.ts';
import { tokensKey } from '../shared/tokens-key.ts';
import type {
  CommitBatch,
  MemoryStore,
  ModelInfo,
  OpenOptions,
  ScoredId,
  StoredRecord,
  StoreFilter,
  StoreStats,
  UpdateChange,
} from '../types.ts';
import {
  type CollectionSettings,
  ensureHistoryCollection,
  ensureMemoriesCollection,
  memoriesCollection,
} from './collections.ts';
import { QdrantConnection, type QdrantConnectionOptions } from './connection.ts';
import { copyPayloads, readMeta, rewritePayloads, sameModel, writeMeta } from './meta.ts';
import { PointCodec } from './payload.ts';
import type { QdrantScope } from './points.ts';
import * as reads from './reads.ts';
import {
  type BackupManifest,
  backupCollections,
  listSnapshots,
  recoverSnapshot,
  restoreCollections,
} from './snapshots.ts';
import { scanRecords, storeStats, userIds } from './stats.ts';
import * as writes from './writes.ts';

export interface QdrantStoreOptions
  extends CollectionSettings,
    Omit<QdrantConnectionOptions, 'maxConnections'> {
  batchSize: number;
  parallelism: number;
  logger?: Logger;
  /** Encrypts memory payloads at rest (AES-256-GCM) with blind-index keyword tokens. */
  cipher?: Cipher | null | undefined;
}

export class QdrantStore implements MemoryStore {
  readonly kind = 'qdrant';
  readonly location: string;
  /** Prefix/fuzzy keyword terms need the plaintext vocabulary: not with encryption (as on SQLite). */
  readonly capabilities: { prefix: boolean; fuzzy: boolean; persistent: boolean };
  private readonly codec: PointCodec;
  readonly conn: QdrantConnection;
  /** The options this store was made with (a second instance over the same data uses them). */
  readonly settings: QdrantStoreOptions;
  private readonly options: QdrantStoreOptions;
  private readonly logger: Logger;
  private openOptions: OpenOptions | null = null;
  private preparing: Promise<QdrantScope> | null = null;
  private recorded: ModelInfo | null = null;

  constructor(options: QdrantStoreOptions) {
    this.options = options;
    this.settings = options;
    this.codec = new PointCodec(options.cipher ?? null);
    const plain = !this.codec.encrypted;
    this.capabilities = { prefix: plain, fuzzy: plain, persistent: true };
    this.logger = options.logger ?? silentLogger;
    this.conn = new QdrantConnection({ ...options, maxConnections: Math.max(2, options.parallelism * 2) });
    this.location = this.conn.url;
  }

  async open(options: OpenOptions): Promise<void> {
    this.openOptions = options;
    this.preparing = null;
    try {
      await this.scope(0);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'store_unavailable') throw error;
      this.logger.warn(
        { url: this.location },
        'Qdrant is not reachable yet; collections will be created on first use',
      );
    }
  }

  async close(): Promise<void> {
    this.openOptions = null;
    this.preparing = null;
  }

  /** The prepared collections; prepares them (single-flight) on first use. */
  private scope(retries?: number): Promise<QdrantScope> {
    if (this.openOptions === null)
      return Promise.reject(new ClosedError('The Qdrant store is not open; call open() first.'));
    this.preparing ??= this.prepare(this.openOptions, retries).catch((error: unknown) => {
      this.preparing = null;
      throw error;
    });
    return this.preparing;
  }

  private async prepare(open: OpenOptions, retries?: number): Promise<QdrantScope> {
    const settings = this.options;
    const history = await ensureHistoryCollection(this.conn, settings, retries);
    const meta = await readMeta(this.conn, history);
    if (meta?.model && !sameModel(meta.model, open.model) && open.allowModelChange !== true) {
      throw modelMismatch(meta.model, open.model, this.location);
    }
    const memories = await ensureMemoriesCollection(this.conn, settings, open.model, retries);
    const scope: QdrantScope = {
      conn: this.conn,
      memories,
      history,
      batchSize: settings.batchSize,
      parallelism: settings.parallelism,
      model: open.model,
      codec: this.codec,
    };
    this.recorded = meta?.model ?? null;
    if (meta !== null && meta.collection !== memories) {
      // An allowed model change (or vectorless data under another model): move the memories.
      const copied = await copyPayloads(scope, meta.collection);
      this.logger.info(
        { from: meta.collection, to: memories, copied },
        'qdrant: moved memories to a new collection',
      );
    }
    const payloadKey = tokensKey(this.codec.cipher);
    if (meta !== null && meta.payloadKey !== payloadKey) {
      const rewritten = await rewritePayloads(scope, await userIds(scope));
      this.logger.info(
        { rewritten, payloadKey },
        'qdrant: rewrote payloads under the current encryption key',
      );
    }
    if (meta === null || meta.collection !== memories || meta.payloadKey !== payloadKey) {
      await writeMeta(scope, { collection: memories, model: this.recorded, payloadKey });
    }
    if (meta !== null && meta.collection !== memories) {
      await this.conn.call('drop old collection', (client) => client.deleteCollection(meta.collection));
    }
    return scope;
  }

  /** Records the vector model once the first vector is written (null until then, as on SQLite). */
  private async noteVectors(
    scope: QdrantScope,
    vectors: Array<Float32Array | null | undefined>,
    model?: ModelInfo,
  ) {
    const next = model ?? scope.model;
    if (!vectors.some((vector) => vector !== null && vector !== undefined)) return;
    if (this.recorded !== null && sameModel(this.recorded, next)) return;
    await writeMeta(scope, {
      collection: scope.memories,
      model: next,
      payloadKey: tokensKey(this.codec.cipher),
    });
    this.recorded = next;
  }

  async storedModel(): Promise<ModelInfo | null> {
    await this.scope();
    return this.recorded === null ? null : { ...this.recorded };
  }

  async insert(records: StoredRecord[], op: VersionOp = 'create'): Promise<void> {
    const scope = await this.scope();
    await writes.insert(scope, this.logger, records, op);
    await this.noteVectors(
      scope,
      records.map((record) => record.vector),
    );
  }

  async update(changes: UpdateChange[]): Promise<void> {
    const scope = await this.scope();
    await writes.update(scope, this.logger, changes);
    await this.noteVectors(
      scope,
      changes.map((change) => change.vector),
    );
  }

  async commit(batch: CommitBatch): Promise<void> {
    const scope = await this.scope();
    await writes.commit(scope, this.logger, batch);
    await this.noteVectors(scope, [
      ...(batch.insert ?? []).map((record) => record.vector),
      ...(batch.update ?? []).map((change) => change.vector),
    ]);
  }

  async restore(records: StoredRecord[], history: MemoryVersion[]): Promise<void> {
    const scope = await this.scope();
    await writes.restore(scope, records, history);
    await this.noteVectors(
      scope,
      records.map((record) => record.vector),
    );
  }

  async get(userId: string, id: string): Promise<Memory | null> {
    return (await reads.getMany(await this.scope(), userId, [id]))[0] ?? null;
  }

  async getMany(userId: string, ids: string[]): Promise<Memory[]> {
    return reads.getMany(await this.scope(), userId, ids);
  }

  async getVectors(userId: string, ids: string[]): Promise<Map<string, Float32Array>> {
    return reads.getVectors(await this.scope(), userId, ids);
  }

  async list(filter: StoreFilter, page: { limit: number; cursor?: string }): Promise<Page<Memory>> {
    return reads.list(await this.scope(), filter, page);
  }

  async history(userId: string, id: string): Promise<MemoryVersion[]> {
    return reads.history(await this.scope(), userId, id);
  }

  async vectorSearch(filter: StoreFilter, vector: Float32Array, k: number): Promise<ScoredId[]> {
    return reads.vectorSearch(await this.scope(), filter, vector, k);
  }

  async keywordSearch(filter: StoreFilter, query: KeywordQuery, k: number): Promise<ScoredId[]> {
    return reads.keywordSearch(await this.scope(), filter, query, k);
  }

  async touch(userId: string, ids: string[], at: string, strengthBoost = 0): Promise<void> {
    await writes.touch(await this.scope(), userId, ids, at, strengthBoost);
  }

  async delete(userId: string, ids: string[]): Promise<number> {
    return writes.remove(await this.scope(), userId, ids);
  }

  async deleteUser(userId: string): Promise<number> {
    return writes.removeUser(await this.scope(), userId);
  }

  async users(): Promise<string[]> {
    return userIds(await this.scope());
  }

  async stats(userId?: string): Promise<StoreStats> {
    return storeStats(await this.scope(), userId);
  }

  async *scan(options: { userId?: string; batchSize?: number }): AsyncIterable<StoredRecord[]> {
    yield* scanRecords(await this.scope(), options);
  }

  async replaceVectors(
    items: Array<{ userId: string; id: string; vector: Float32Array }>,
    model: ModelInfo,
  ): Promise<void> {
    const scope = await this.scope();
    if (!sameModel(model, scope.model)) {
      throw new ValidationError(
        `replaceVectors got vectors of "${model.id}" but the store is open with "${scope.model.id}"; open it with that model and allowModelChange first.`,
      );
    }
    await writes.replaceVectors(scope, items, model);
    await this.noteVectors(
      scope,
      items.map((item) => item.vector),
      model,
    );
  }

  /** Snapshots every collection of this store into the `destination` directory. */
  async backup(destination: string): Promise<string> {
    const scope = await this.scope();
    await backupCollections(this.conn, [scope.memories, scope.history], destination);
    return destination;
  }

  /** Uploads the snapshots of a backup directory made by backup(); replaces those collections. */
  async restoreBackup(source: string): Promise<BackupManifest> {
    const manifest = await restoreCollections(this.conn, source);
    this.preparing = null;
    return manifest;
  }

  /** Snapshots Qdrant holds for this store's collections (name, size, checksum, time). */
  async listSnapshots(): Promise<
    Array<{ collection: string; name: string; size: number; creationTime: string | null }>
  > {
    const scope = await this.scope();
    const out = [];
    for (const collection of [scope.memories, scope.history]) {
      for (const snapshot of await listSnapshots(this.conn, collection)) {
        out.push({
          collection,
          name: snapshot.name,
          size: snapshot.size,
          creationTime: snapshot.creation_time ?? null,
        });
      }
    }
    return out;
  }

  /** Recovers one collection from a snapshot location Qdrant can reach itself (http(s) URL or file://). */
  async recoverSnapshot(collection: string, location: string): Promise<void> {
    await recoverSnapshot(this.conn, collection, location);
    this.preparing = null;
  }

  /** Collection names this store uses for a model (for docs, tooling and tests). */
  collectionsFor(model: ModelInfo): { memories: string; history: string } {
    return {
      memories: memoriesCollection(this.options.prefix, model),
      history: `${this.options.prefix}_history`,
    };
  }

  /** Deletes every collection of this prefix: tests and `strata` admin tooling only. */
  async drop(): Promise<void> {
    const { collections } = await this.conn.call('list collections', (client) => client.getCollections());
    for (const { name } of collections) {
      if (name.startsWith(`${this.options.prefix}_`)) {
        await this.conn.call('drop collection', (client) => client.deleteCollection(name));
      }
    }
    this.preparing = null;
  }
}
