/**
 * How memories, versions and the meta record map onto Qdrant points. Qdrant point ids must
 * be UUIDs or integers, so point ids are derived (UUID-shaped sha256) from the memory id:
 * the same memory always lands on the same point (idempotent upserts and safe retries),
 * and ids stay globally unique as on SQLite. The payload keeps the flat fields that are
 * indexed and filtered on (userId, layer, createdAt, superseded, metadata) and `terms`,
 * the keyword tokens made by the tokenizer SQLite's FTS uses, plus the full memory. With
 * encryption at rest (security/cipher.ts, as on SQLite) the memory is sealed with
 * AES-256-GCM (AAD = memory id, so sealed payloads cannot be swapped between points),
 * metadata is not stored in clear, and `terms` holds blind-index tokens.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { ConfigError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import { toLanguage } from '../../text/languages.ts';
import { tokenize } from '../../text/tokenize.ts';
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

interface RawPoint {
  id: string | number;
  payload?: Payload | null | undefined;
  vector?: unknown;
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

/** Encodes and decodes points; one per store, with or without a cipher. */
export class PointCodec {
  constructor(readonly cipher: Cipher | null = null) {}

  get encrypted(): boolean {
    return this.cipher !== null;
  }

  /** A keyword token as stored in `terms`: the stem, or its blind-index token for the user. */
  token(userId: string, stem: string): string {
    return this.cipher ? this.cipher.blindToken(userId, stem) : stem;
  }

  private seal(value: unknown, aad: string): Payload {
    if (this.cipher === null) return {};
    return {
      sealed: this.cipher.encrypt(JSON.stringify(value), aad).toString('base64'),
      keyId: this.cipher.keyId,
    };
  }

  private open(payload: Payload, aad: string): unknown {
    if (typeof payload.sealed !== 'string') return payload.memory;
    if (this.cipher === null) {
      throw new ConfigError(
        'These Qdrant memories are encrypted; set encryption.key (or keyFile) to the key that wrote them.',
      );
    }
    return JSON.parse(this.cipher.decrypt(Buffer.from(payload.sealed, 'base64'), String(payload.keyId), aad));
  }

  memoryPayload(memory: Memory): Payload {
    const terms = tokenize(memory.content, toLanguage(memory.metadata.language)).map((stem) =>
      this.token(memory.userId, stem),
    );
    return {
      kind: 'memory',
      userId: memory.userId,
      memoryId: memory.id,
      layer: memory.layer,
      createdAt: memory.createdAt,
      superseded: memory.supersededBy !== null,
      terms: terms.join(' '),
      termCount: terms.length,
      bytes: memoryBytes(memory),
      ...(this.cipher === null
        ? { metadata: memory.metadata, memory }
        : this.seal(memory, `${memory.id}:memory`)),
    };
  }

  memoryPoint(memory: Memory, vector: Float32Array | null): PointStruct {
    return {
      id: memoryPointId(memory.id),
      vector: vector === null ? {} : { [VECTOR_NAME]: Array.from(vector) },
      payload: this.memoryPayload(memory),
    };
  }

  versionPoint(version: MemoryVersion): PointStruct {
    const aad = `${version.memoryId}:v${version.version}`;
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
        ...(this.cipher === null ? { memory: version.memory } : this.seal(version.memory, aad)),
      },
    };
  }

  memory(point: RawPoint): Memory {
    const payload = point.payload ?? {};
    return MemorySchema.parse(this.open(payload, `${String(payload.memoryId)}:memory`));
  }

  /** Metadata of a point for in-process filtering (payload fields memoryId + metadata or sealed/keyId). */
  metadata(point: RawPoint): unknown {
    const payload = point.payload ?? {};
    return this.cipher === null ? payload.metadata : this.memory(point).metadata;
  }

  version(point: RawPoint): MemoryVersion {
    const payload = point.payload ?? {};
    return MemoryVersionSchema.parse({
      memoryId: payload.memoryId,
      version: payload.version,
      op: payload.op,
      at: payload.at,
      memory: this.open(payload, `${String(payload.memoryId)}:v${String(payload.version)}`),
    });
  }

  record(point: RawPoint): StoredRecord {
    return { memory: this.memory(point), vector: vectorFromPoint(point) };
  }
}
