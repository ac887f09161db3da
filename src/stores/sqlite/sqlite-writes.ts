/**
 * Row-level writes of the SQLite store, always called inside a transaction: a memory row
 * with its FTS row (delete + insert by rowid on the contentless index; only where the FTS
 * index is kept, `keywordIndex: 'fts5'`), its vector BLOB, and version snapshots. Keeping them here leaves the store class to orchestrate batches,
 * conflicts and the in-process index.
 */
import type { Cipher } from '../../security/cipher.ts';
import { toLanguage } from '../../text/languages.ts';
import type { Memory, MemoryVersion } from '../../types.ts';
import { ftsText, toParams, toVersionRow, vectorToBlob } from './row-codec.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

const INSERT_MEMORY = `INSERT INTO memories (id, user_id, layer, created_at, updated_at, version, superseded_by,
  importance, strength, access_count, last_accessed_at, embedding_model, sources, links, content, metadata, key_id, bytes,
  log_hash)
  VALUES (@id, @user_id, @layer, @created_at, @updated_at, @version, @superseded_by, @importance, @strength,
  @access_count, @last_accessed_at, @embedding_model, @sources, @links, @content, @metadata, @key_id, @bytes, @log_hash)`;
const UPDATE_MEMORY = `UPDATE memories SET user_id=@user_id, layer=@layer, created_at=@created_at, updated_at=@updated_at,
  version=@version, superseded_by=@superseded_by, importance=@importance, strength=@strength, access_count=@access_count,
  last_accessed_at=@last_accessed_at, embedding_model=@embedding_model, sources=@sources, links=@links, content=@content,
  metadata=@metadata, key_id=@key_id, bytes=@bytes, log_hash=COALESCE(@log_hash, log_hash) WHERE id=@id`;
const INSERT_VERSION = `INSERT OR REPLACE INTO versions (memory_id, version, op, at, snapshot, key_id)
  VALUES (@memory_id, @version, @op, @at, @snapshot, @key_id)`;
const UPSERT_VECTOR = 'INSERT OR REPLACE INTO vectors (memory_id, model, dims, vector) VALUES (?, ?, ?, ?)';

export interface RowWrite {
  mode: 'insert' | 'update';
  /** The model the vector is tagged with. */
  modelId: string;
  /** Whether the FTS table is kept (fts5 keyword mode); otherwise only the terms are returned. */
  fts: boolean;
  /** The change-log entry that gives the row this state, when the caller already has it. */
  logHash?: string | undefined;
}

/** Writes the memory row, its FTS terms and (unless undefined) its vector; returns the FTS terms. */
export function writeRow(
  c: SqliteConnection,
  cipher: Cipher | null,
  memory: Memory,
  vector: Float32Array | null | undefined,
  { mode, modelId, fts, logHash }: RowWrite,
): string {
  const params = { ...toParams(memory, cipher), log_hash: logHash ?? null };
  let rowid = 0;
  if (mode === 'insert') {
    rowid = Number(c.stmt(INSERT_MEMORY).run(params).lastInsertRowid);
  } else {
    c.stmt(UPDATE_MEMORY).run(params);
    if (fts) {
      rowid = (c.stmt('SELECT rowid FROM memories WHERE id = ?').get(memory.id) as { rowid: number }).rowid;
      c.stmt('DELETE FROM memories_fts WHERE rowid = ?').run(rowid);
    }
  }
  const terms = ftsText(memory.content, cipher, memory.userId, toLanguage(memory.metadata.language));
  if (fts) c.stmt('INSERT INTO memories_fts (rowid, terms) VALUES (?, ?)').run(rowid, terms);
  if (vector === null) c.stmt('DELETE FROM vectors WHERE memory_id = ?').run(memory.id);
  else if (vector !== undefined) writeVector(c, cipher, memory.id, modelId, vector);
  return terms;
}

export function writeVector(
  c: SqliteConnection,
  cipher: Cipher | null,
  id: string,
  modelId: string,
  vector: Float32Array,
): void {
  c.stmt(UPSERT_VECTOR).run(id, modelId, vector.length, vectorToBlob(vector, cipher, id));
}

export function writeVersion(c: SqliteConnection, cipher: Cipher | null, version: MemoryVersion): void {
  c.stmt(INSERT_VERSION).run(toVersionRow(version, cipher));
}

/** Removes a memory (versions and vector cascade) and its FTS row. */
export function deleteRow(c: SqliteConnection, rowid: number): void {
  c.stmt('DELETE FROM memories_fts WHERE rowid = ?').run(rowid);
  c.stmt('DELETE FROM memories WHERE rowid = ?').run(rowid);
}
