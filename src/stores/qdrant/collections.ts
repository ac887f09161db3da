/**
 * Collection layout and lazy creation. Memories of one embedding model live in
 * `<prefix>_<model-slug>_<dims>` (a named `dense` cosine vector; a model change gets a new
 * collection, never a silent mix); versions and the meta point live in `<prefix>_history`
 * (no vectors). Collections and payload indexes are created on first use; creating an
 * existing index is a no-op in Qdrant, so a process that died half way heals on restart.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { MemoryError } from '../../errors.ts';
import type { ModelInfo } from '../types.ts';
import type { QdrantConnection } from './connection.ts';
import { VECTOR_NAME } from './payload.ts';

export interface CollectionSettings {
  prefix: string;
  shardNumber?: number | undefined;
  replicationFactor?: number | undefined;
  writeConsistencyFactor?: number | undefined;
  onDiskPayload: boolean;
  quantization: 'none' | 'int8';
}

export function modelSlug(modelId: string): string {
  const slug = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return slug.length > 0 ? slug : 'model';
}

export function memoriesCollection(prefix: string, model: ModelInfo): string {
  return `${prefix}_${modelSlug(model.id)}_${model.dimensions}`;
}

export function historyCollection(prefix: string): string {
  return `${prefix}_history`;
}

type FieldSchema = Schemas['PayloadFieldSchema'];

/** Payload indexes of the memory collection: tenant first, then what filters and sorts use. */
export const MEMORY_INDEXES: Array<[string, FieldSchema]> = [
  ['userId', { type: 'keyword', is_tenant: true }],
  ['memoryId', { type: 'keyword' }],
  ['layer', { type: 'keyword' }],
  ['createdAt', { type: 'datetime' }],
  ['superseded', { type: 'bool' }],
  // Stems from text/tokenize.ts joined by spaces: whitespace tokens = exactly our stems.
  ['terms', { type: 'text', tokenizer: 'whitespace', lowercase: false }],
];

export const HISTORY_INDEXES: Array<[string, FieldSchema]> = [
  ['userId', { type: 'keyword', is_tenant: true }],
  ['memoryId', { type: 'keyword' }],
  ['kind', { type: 'keyword' }],
];

function isConflict(error: unknown): boolean {
  return MemoryError.isInstance(error) && (error as { status?: unknown }).status === 409;
}

async function createIndexes(
  conn: QdrantConnection,
  name: string,
  indexes: Array<[string, FieldSchema]>,
): Promise<void> {
  for (const [field, schema] of indexes) {
    await conn.call(`create payload index ${name}.${field}`, (client) =>
      client.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true }),
    );
  }
}

async function ensureCollection(
  conn: QdrantConnection,
  name: string,
  body: Schemas['CreateCollection'],
  indexes: Array<[string, FieldSchema]>,
  retries?: number,
): Promise<boolean> {
  const { exists } = await conn.call(
    `check collection ${name}`,
    (client) => client.collectionExists(name),
    retries,
  );
  let created = false;
  if (!exists) {
    try {
      await conn.call(`create collection ${name}`, (client) => client.createCollection(name, body), retries);
      created = true;
    } catch (error) {
      // Another process created it between our check and our create: that is fine.
      if (!isConflict(error)) throw error;
    }
  }
  await createIndexes(conn, name, indexes);
  return created;
}

function clusterSettings(settings: CollectionSettings): Partial<Schemas['CreateCollection']> {
  return {
    on_disk_payload: settings.onDiskPayload,
    ...(settings.shardNumber === undefined ? {} : { shard_number: settings.shardNumber }),
    ...(settings.replicationFactor === undefined ? {} : { replication_factor: settings.replicationFactor }),
    ...(settings.writeConsistencyFactor === undefined
      ? {}
      : { write_consistency_factor: settings.writeConsistencyFactor }),
  };
}

export async function ensureMemoriesCollection(
  conn: QdrantConnection,
  settings: CollectionSettings,
  model: ModelInfo,
  retries?: number,
): Promise<string> {
  const name = memoriesCollection(settings.prefix, model);
  await ensureCollection(
    conn,
    name,
    {
      vectors: { [VECTOR_NAME]: { size: model.dimensions, distance: 'Cosine' } },
      // Every query is tenant-filtered: build per-tenant HNSW graphs only (payload_m), no
      // global graph (m = 0), as Qdrant recommends for is_tenant multitenancy.
      hnsw_config: { m: 0, payload_m: 16 },
      ...clusterSettings(settings),
      ...(settings.quantization === 'int8'
        ? { quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } } }
        : {}),
    },
    MEMORY_INDEXES,
    retries,
  );
  return name;
}

export async function ensureHistoryCollection(
  conn: QdrantConnection,
  settings: CollectionSettings,
  retries?: number,
): Promise<string> {
  const name = historyCollection(settings.prefix);
  await ensureCollection(conn, name, { vectors: {}, ...clusterSettings(settings) }, HISTORY_INDEXES, retries);
  return name;
}
