/**
 * How memories, versions and the meta record map onto Qdrant points. Qdrant point ids must
 * be UUIDs or integers, so point ids are derived (UUID-shaped sha256) from the memory id:
 * the same memory always lands on the same point (idempotent upserts and safe retries),
 * and ids stay globally unique as on SQLite. The payload keeps the full memory
 * plus the flat fields that are indexed and filtered on (userId, layer, createdAt,
 * superseded, metadata) and `terms`, the keyword-search tokens made by the same tokenizer
 * SQLite's FTS uses, so both stores match the same words.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { tokenize } from '../../search/tokenize.ts';
import { type Memory, MemorySchema, type MemoryVersion, MemoryVersionSchema } from '../../types.ts';
import { stableId } from '../../util/ids.ts';
import { memoryBytes } from '../shared/records.ts';
import type { StoredRecord } from '../types.ts';

export const VECTOR_NAME = 'dense';
export type PointStruct = Schemas['PointStruct'];
type Payload = Record<string, unknown>;

export function memoryPointId(id: string): string {
  return stableId('strata-memory', id);
}

export function versionPointId(id: string, version: number): string {
  return stableId('strata-version', id, String(version));
}

export const META_POINT_ID = stableId('strata-meta');

/** Bytes a memory occupies for stats and quotas: content plus metadata JSON. */
export function memoryPayload(memory: Memory): Payload {
  const terms = tokenize(memory.content);
  return {
    kind: 'memory',
    userId: memory.userId,
    memoryId: memory.id,
    layer: memory.layer,
    createdAt: memory.createdAt,
    superseded: memory.supersededBy !== null,
    metadata: memory.metadata,
    terms: terms.join(' '),
    termCount: terms.length,
    bytes: memoryBytes(memory),
    memory,
  };
}

export function memoryPoint(memory: Memory, vector: Float32Array | null): PointStruct {
  return {
    id: memoryPointId(memory.id),
    vector: vector === null ? {} : { [VECTOR_NAME]: Array.from(vector) },
    payload: memoryPayload(memory),
  };
}

export function versionPoint(version: MemoryVersion): PointStruct {
  return {
    id: versionPointId(version.memoryId, version.version),
    vector: {},
    payload: {
      kind: 'version',
      userId: version.memory.userId,
      memoryId: version.memoryId,
      version: version.version,
      op: version.op,
      at: version.at,
      memory: version.memory,
    },
  };
}

interface RawPoint {
  id: string | number;
  payload?: Payload | null | undefined;
  vector?: unknown;
}

export function memoryFromPoint(point: RawPoint): Memory {
  return MemorySchema.parse(point.payload?.memory);
}

export function versionFromPoint(point: RawPoint): MemoryVersion {
  const payload = point.payload ?? {};
  return MemoryVersionSchema.parse({
    memoryId: payload.memoryId,
    version: payload.version,
    op: payload.op,
    at: payload.at,
    memory: payload.memory,
  });
}

export function vectorFromPoint(point: RawPoint): Float32Array | null {
  const vector = point.vector;
  if (Array.isArray(vector)) return Float32Array.from(vector as number[]);
  if (typeof vector === 'object' && vector !== null) {
    const named = (vector as Record<string, unknown>)[VECTOR_NAME];
    if (Array.isArray(named)) return Float32Array.from(named as number[]);
  }
  return null;
}

export function recordFromPoint(point: RawPoint): StoredRecord {
  return { memory: memoryFromPoint(point), vector: vectorFromPoint(point) };
}
