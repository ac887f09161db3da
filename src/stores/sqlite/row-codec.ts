/**
 * Memory ↔ SQLite row conversion, the one place that knows which columns are encrypted:
 * content, metadata and whole version snapshots go through the cipher when one is set
 * (AAD = memory id + column, so ciphertexts cannot be swapped between rows); ids, user,
 * layer and timestamps stay plaintext because filters and ordering need them. Vectors are
 * little-endian float32 BLOBs, sealed under the cipher when one is set (a vector of a short
 * text is close to invertible into its words): [key id length, key id, AES-GCM blob], AAD
 * = memory id + ':vector'. A sealed BLOB's length is never a multiple of 4, so plaintext
 * vectors written before encryption was turned on still read (rotateKeys seals them). The FTS text is the tokenizer's output, or under encryption
 * the blind-index tokens of it, so no plaintext word ever reaches the FTS index.
 */

import { ConfigError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import { type Language, toLanguage } from '../../text/languages.ts';
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

/** The language a row's keyword tokens are made in: its metadata.language when supported. */
export function languageOfRow(
  row: Pick<MemoryRow, 'id' | 'metadata' | 'key_id'>,
  cipher: Cipher | null,
): Language | undefined {
  const text = open(cipher, row.metadata, row.key_id, `${row.id}:metadata`);
  // Most rows of an old store have none: skip parsing their JSON.
  if (!text.includes('"language"')) return undefined;
  return toLanguage((JSON.parse(text) as Record<string, unknown>).language);
}

/**
 * The text stored in the FTS index for a memory's content, tokenized in its language (blind
 * tokens of its user's under a cipher).
 */
export function ftsText(content: string, cipher: Cipher | null, userId: string, language?: Language): string {
  const tokens = tokenize(content, language);
  return (cipher ? tokens.map((t) => cipher.blindToken(userId, t)) : tokens).join(' ');
}

/** The vector's BLOB: float32 bytes, sealed under the cipher when there is one. */
export function vectorToBlob(vector: Float32Array, cipher: Cipher | null = null, id = ''): Buffer {
  const raw = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  if (!cipher) return Buffer.from(raw);
  const keyId = Buffer.from(cipher.keyId, 'utf8');
  const sealed = Buffer.concat([
    Buffer.from([keyId.length]),
    keyId,
    cipher.encryptBytes(raw, `${id}:vector`),
  ]);
  // Sealed BLOBs are told from float32 ones by length; pad in the (unreachable with 16-char
  // key ids) case that the length came out a multiple of 4.
  return sealed.length % 4 === 0 ? Buffer.concat([sealed, Buffer.from([0])]) : sealed;
}

/** Whether a vector BLOB is sealed (else plaintext float32). */
export function isSealedVector(blob: Buffer): boolean {
  return blob.byteLength % 4 !== 0;
}

/** The key id a sealed vector BLOB was written with (null for plaintext). */
export function vectorKeyId(blob: Buffer): string | null {
  if (!isSealedVector(blob)) return null;
  return blob.subarray(1, 1 + blob[0]!).toString('utf8');
}

export function blobToVector(blob: Buffer, cipher: Cipher | null = null, id = ''): Float32Array {
  let bytes: Uint8Array = blob;
  if (isSealedVector(blob)) {
    if (!cipher) {
      throw new ConfigError(
        `Memory ${id} has an encrypted vector; set encryption.key or encryption.keyFile to open the store.`,
      );
    }
    const keyLength = blob[0]!;
    const keyId = blob.subarray(1, 1 + keyLength).toString('utf8');
    let sealed = blob.subarray(1 + keyLength);
    // Drop the pad byte vectorToBlob may have added (GCM blobs are 29 + 4n bytes).
    if ((sealed.length - 29) % 4 !== 0) sealed = sealed.subarray(0, sealed.length - 1);
    bytes = cipher.decryptBytes(sealed, keyId, `${id}:vector`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}
