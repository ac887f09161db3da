/**
 * Memory ↔ Postgres row conversion, the one place that knows which columns are encrypted:
 * with a Cipher, content and metadata go to the `_sealed` bytea columns and version
 * snapshots to `snapshot_sealed` (AES-GCM, AAD = memory id + column, as on SQLite); ids,
 * user, layer, timestamps, importance/strength/access counters, sources and links stay in
 * clear because filters, ordering and provenance need them. Plaintext content containing
 * U+0000 (which Postgres text refuses) is kept as raw UTF-8 in content_sealed, key_id null. The keyword tsvector then
 * holds blind-index tokens (HMAC of each stem), never a plaintext word.
 */
import type { Cipher } from '../../security/cipher.ts';
import type { LayerName, Memory, MemoryVersion, VersionOp } from '../../types.ts';
import { memoryBytes } from '../shared/records.ts';

export interface PgMemoryRow {
  user_id: string;
  id: string;
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
  content: string | null;
  content_sealed: Buffer | null;
  metadata: string | null;
  metadata_sealed: Buffer | null;
  key_id: string | null;
}

export interface PgVersionRow {
  memory_id: string;
  version: number;
  op: string;
  at: string;
  snapshot: string | null;
  snapshot_sealed: Buffer | null;
  key_id: string | null;
}

/** The memory columns, in INSERT order (tsv/fts_config/token_count are added by the writer). */
export const MEMORY_COLUMNS = [
  'user_id',
  'id',
  'layer',
  'created_at',
  'updated_at',
  'version',
  'superseded_by',
  'importance',
  'strength',
  'access_count',
  'last_accessed_at',
  'embedding_model',
  'sources',
  'links',
  'content',
  'content_sealed',
  'metadata',
  'metadata_sealed',
  'key_id',
  'bytes',
] as const;

/** Column list for SELECTs that decode memories (alias m). */
export const MEMORY_SELECT = MEMORY_COLUMNS.filter((c) => c !== 'bytes')
  .map((c) => `m.${c}`)
  .join(', ');

function decrypt(cipher: Cipher | null, sealed: Buffer, keyId: string, aad: string): string {
  if (!cipher) {
    throw new Error(
      `Memory data (${aad}) is encrypted with key ${keyId} but no encryption key is configured; set encryption.key or encryption.keyFile.`,
    );
  }
  return cipher.decrypt(sealed, keyId, aad);
}

function openColumn(
  cipher: Cipher | null,
  plain: string | null,
  sealed: Buffer | null,
  keyId: string | null,
  aad: string,
): string {
  if (sealed !== null && keyId !== null) return decrypt(cipher, sealed, keyId, aad);
  if (sealed !== null) return sealed.toString('utf8');
  return plain ?? '';
}

/** Postgres text cannot hold U+0000: such content is kept as UTF-8 bytes in content_sealed (key_id null). */
export function hasNul(text: string): boolean {
  return text.includes('\u0000');
}

/** Parameter values in MEMORY_COLUMNS order. */
export function memoryParams(memory: Memory, cipher: Cipher | null): unknown[] {
  const metadata = JSON.stringify(memory.metadata);
  return [
    memory.userId,
    memory.id,
    memory.layer,
    memory.createdAt,
    memory.updatedAt,
    memory.version,
    memory.supersededBy,
    memory.importance,
    memory.strength,
    memory.accessCount,
    memory.lastAccessedAt,
    memory.embeddingModel,
    JSON.stringify(memory.sources),
    JSON.stringify(memory.links),
    cipher || hasNul(memory.content) ? null : memory.content,
    cipher
      ? cipher.encrypt(memory.content, `${memory.id}:content`)
      : hasNul(memory.content)
        ? Buffer.from(memory.content, 'utf8')
        : null,
    cipher ? null : metadata,
    cipher ? cipher.encrypt(metadata, `${memory.id}:metadata`) : null,
    cipher ? cipher.keyId : null,
    memoryBytes(memory),
  ];
}

export function fromRow(row: PgMemoryRow, cipher: Cipher | null): Memory {
  return {
    id: row.id,
    userId: row.user_id,
    layer: row.layer as LayerName,
    content: openColumn(cipher, row.content, row.content_sealed, row.key_id, `${row.id}:content`),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    importance: Number(row.importance),
    strength: Number(row.strength),
    accessCount: Number(row.access_count),
    lastAccessedAt: row.last_accessed_at,
    sources: JSON.parse(row.sources),
    links: JSON.parse(row.links),
    metadata: JSON.parse(
      openColumn(cipher, row.metadata, row.metadata_sealed, row.key_id, `${row.id}:metadata`) || '{}',
    ),
    version: Number(row.version),
    supersededBy: row.superseded_by,
    embeddingModel: row.embedding_model,
  };
}

/** [memory_id, version, op, at, snapshot, snapshot_sealed, key_id] for one version. */
export function versionParams(version: MemoryVersion, cipher: Cipher | null): unknown[] {
  const snapshot = JSON.stringify(version.memory);
  return [
    version.memoryId,
    version.version,
    version.op,
    version.at,
    cipher ? null : snapshot,
    cipher ? cipher.encrypt(snapshot, `${version.memoryId}:v${version.version}`) : null,
    cipher ? cipher.keyId : null,
  ];
}

export function fromVersionRow(row: PgVersionRow, cipher: Cipher | null): MemoryVersion {
  const aad = `${row.memory_id}:v${row.version}`;
  return {
    memoryId: row.memory_id,
    version: Number(row.version),
    op: row.op as VersionOp,
    at: row.at,
    memory: JSON.parse(openColumn(cipher, row.snapshot, row.snapshot_sealed, row.key_id, aad)),
  };
}

/** pgvector's text form of a vector: `[0.1,0.2,…]`. */
export function vectorLiteral(vector: Float32Array): string {
  return `[${Array.from(vector, (x) => (Number.isFinite(x) ? x : 0)).join(',')}]`;
}

/** Parses pgvector's text output back into a Float32Array. */
export function parseVector(text: string): Float32Array {
  const body = text.trim().replace(/^\[/, '').replace(/\]$/, '');
  return body.length === 0 ? new Float32Array(0) : Float32Array.from(body.split(',').map(Number));
}
