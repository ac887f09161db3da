/**
 * Memory ↔ SQLite row conversion, the one place that knows which columns are encrypted:
 * content, metadata and whole version snapshots go through the cipher when one is set
 * (AAD = memory id + column, so ciphertexts cannot be swapped between rows); ids, user,
 * layer and timestamps stay plaintext because filters and ordering need them. Vectors are
 * little-endian float32 BLOBs. The FTS text is the tokenizer's output, or under encryption
 * the blind-index tokens of it, so no plaintext word ever reaches the FTS index.
 */

import type { Cipher } from '../../security/cipher.ts';
import { tokenize } from '../../text/tokenize.ts';
import type { LayerName, Memory, MemoryVersion, VersionOp } from '../../types.ts';
import { memoryBytes } from '../shared/records.ts';

export interface MemoryRow {
  rowid: number;
  id: string;
  user_id: string;
  layer: string;
  created_at: string;
  updated_at: string;
  version: number;
  superseded_by: string | null;
  importance: number;
  strength: number;
  access_count: number;
  last_accessed_at: string | null;
  embedding_model: string | null;
  sources: string;
  links: string;
  content: string | Buffer;
  metadata: string | Buffer;
  key_id: string | null;
  bytes: number;
}

export type MemoryParams = Omit<MemoryRow, 'rowid'>;

export interface VersionRow {
  memory_id: string;
  version: number;
  op: string;
  at: string;
  snapshot: string | Buffer;
  key_id: string | null;
}

function seal(cipher: Cipher | null, text: string, aad: string): string | Buffer {
  return cipher ? cipher.encrypt(text, aad) : text;
}

function open(cipher: Cipher | null, value: string | Buffer, keyId: string | null, aad: string): string {
  if (keyId === null) return typeof value === 'string' ? value : value.toString('utf8');
  if (!cipher) {
    throw new Error(
      `Memory data (${aad}) is encrypted with key ${keyId} but no encryption key is configured; set encryption.key or encryption.keyFile.`,
    );
  }
  return cipher.decrypt(Buffer.isBuffer(value) ? value : Buffer.from(value), keyId, aad);
}

export function toParams(memory: Memory, cipher: Cipher | null): MemoryParams {
  return {
    id: memory.id,
    user_id: memory.userId,
    layer: memory.layer,
    created_at: memory.createdAt,
    updated_at: memory.updatedAt,
    version: memory.version,
    superseded_by: memory.supersededBy,
    importance: memory.importance,
    strength: memory.strength,
    access_count: memory.accessCount,
    last_accessed_at: memory.lastAccessedAt,
    embedding_model: memory.embeddingModel,
    sources: JSON.stringify(memory.sources),
    links: JSON.stringify(memory.links),
    content: seal(cipher, memory.content, `${memory.id}:content`),
    metadata: seal(cipher, JSON.stringify(memory.metadata), `${memory.id}:metadata`),
    key_id: cipher ? cipher.keyId : null,
    bytes: memoryBytes(memory),
  };
}

export function fromRow(row: MemoryRow, cipher: Cipher | null): Memory {
  return {
    id: row.id,
    userId: row.user_id,
    layer: row.layer as LayerName,
    content: open(cipher, row.content, row.key_id, `${row.id}:content`),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    importance: row.importance,
    strength: row.strength,
    accessCount: row.access_count,
    lastAccessedAt: row.last_accessed_at,
    sources: JSON.parse(row.sources),
    links: JSON.parse(row.links),
    metadata: JSON.parse(open(cipher, row.metadata, row.key_id, `${row.id}:metadata`)),
    version: row.version,
    supersededBy: row.superseded_by,
    embeddingModel: row.embedding_model,
  };
}

/** Decrypts just the content of a row (FTS rebuilds need nothing else). */
export function contentOf(row: Pick<MemoryRow, 'id' | 'content' | 'key_id'>, cipher: Cipher | null): string {
  return open(cipher, row.content, row.key_id, `${row.id}:content`);
}

export function toVersionRow(version: MemoryVersion, cipher: Cipher | null): VersionRow {
  return {
    memory_id: version.memoryId,
    version: version.version,
    op: version.op,
    at: version.at,
    snapshot: seal(cipher, JSON.stringify(version.memory), `${version.memoryId}:v${version.version}`),
    key_id: cipher ? cipher.keyId : null,
  };
}

export function fromVersionRow(row: VersionRow, cipher: Cipher | null): MemoryVersion {
  return {
    memoryId: row.memory_id,
    version: row.version,
    op: row.op as VersionOp,
    at: row.at,
    memory: JSON.parse(open(cipher, row.snapshot, row.key_id, `${row.memory_id}:v${row.version}`)),
  };
}

/** The text stored in the FTS index for a memory's content. */
export function ftsText(content: string, cipher: Cipher | null): string {
  const tokens = tokenize(content);
  return (cipher ? tokens.map((t) => cipher.blindToken(t)) : tokens).join(' ');
}

export function vectorToBlob(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer.slice(vector.byteOffset, vector.byteOffset + vector.byteLength));
}

export function blobToVector(blob: Buffer): Float32Array {
  const copy = new Uint8Array(blob.byteLength);
  copy.set(blob);
  return new Float32Array(copy.buffer);
}
