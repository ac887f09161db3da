/**
 * Read queries of the SQLite store as plain functions over a connection: lookups by id,
 * cursor-paginated list, history, keyword search (FTS5 MATCH + BM25), stats and scans.
 * Every query carries `user_id = ?` (isolation); filters go through sql-filter.ts, with the
 * shared compileFilter as the authoritative re-check where SQL cannot decide (encrypted or
 * structured metadata).
 */
import { ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { Memory, MemoryVersion, Page } from '../../types.ts';
import { decodeCursor, encodeCursor } from '../shared/cursor.ts';
import { compileFilter } from '../shared/filter.ts';
import type { ScoredId, StoredRecord, StoreFilter, StoreStats } from '../types.ts';
import {
  blobToVector,
  fromRow,
  fromVersionRow,
  isSealedVector,
  type MemoryRow,
  type VersionRow,
} from './row-codec.ts';
import { whereFor } from './sql-filter.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

const CHUNK = 500;

export function getOne(
  c: SqliteConnection,
  cipher: Cipher | null,
  userId: string,
  id: string,
): Memory | null {
  const row = c.stmt('SELECT * FROM memories WHERE id = ? AND user_id = ?').get(id, userId) as
    | MemoryRow
    | undefined;
  return row ? fromRow(row, cipher) : null;
}

export function getMany(c: SqliteConnection, cipher: Cipher | null, userId: string, ids: string[]): Memory[] {
  // `+user_id` keeps the planner on the unique id index: with a plain `user_id = ?` it walked
  // every row of the user (14 ms per 10-id lookup at 100k). The ORDER BY keeps the order
  // that walk used to produce.
  const rows = c
    .stmt(
      'SELECT * FROM memories WHERE +user_id = ? AND id IN (SELECT value FROM json_each(?)) ORDER BY created_at, id',
    )
    .all(userId, JSON.stringify([...new Set(ids)])) as MemoryRow[];
  return rows.map((r) => fromRow(r, cipher));
}

export function getVectors(
  c: SqliteConnection,
  cipher: Cipher | null,
  userId: string,
  ids: string[],
): Map<string, Float32Array> {
  const rows = c
    .stmt(
      `SELECT v.memory_id, v.vector FROM vectors v JOIN memories m ON m.id = v.memory_id
       WHERE +m.user_id = ? AND v.memory_id IN (SELECT value FROM json_each(?))`,
    )
    .all(userId, JSON.stringify([...new Set(ids)])) as Array<{ memory_id: string; vector: Buffer }>;
  return new Map(rows.map((r) => [r.memory_id, blobToVector(r.vector, cipher, r.memory_id)]));
}

/**
 * Exact vectors by id for the int8 re-score, which only reads them. No join with memories:
 * the ids come from the user's own vector-index partition, and the user check cost a second
 * random page read per row (1.6 vs 0.9 ms for 160 ids at 100k).
 */
export function vectorsOf(
  c: SqliteConnection,
  cipher: Cipher | null,
  ids: string[],
): Map<string, Float32Array> {
  const rows = c
    .stmt('SELECT memory_id, vector FROM vectors WHERE memory_id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ids)) as Array<{ memory_id: string; vector: Buffer }>;
  // A view on the row's own Buffer when aligned (better-sqlite3 copies each BLOB into a fresh
  // one): the re-score only reads it, so the extra copy of blobToVector is not needed.
  const view = (blob: Buffer, id: string) =>
    blob.byteOffset % 4 === 0 && !isSealedVector(blob)
      ? new Float32Array(blob.buffer, blob.byteOffset, blob.byteLength >> 2)
      : blobToVector(blob, cipher, id);
  return new Map(rows.map((r) => [r.memory_id, view(r.vector, r.memory_id)]));
}

export function listPage(
  c: SqliteConnection,
  cipher: Cipher | null,
  filter: StoreFilter,
  page: { limit: number; cursor?: string },
): Page<Memory> {
  if (!Number.isInteger(page.limit) || page.limit < 1)
    throw new ValidationError('limit must be a positive integer.');
  const where = whereFor(filter, { encrypted: cipher !== null });
  const check = compileFilter(filter);
  const items: Memory[] = [];
  let after = page.cursor ? decodeCursor(page.cursor) : null;
  const want = page.limit + 1;
  for (;;) {
    const cursorSql = after ? ' AND (m.created_at > ? OR (m.created_at = ? AND m.id > ?))' : '';
    const cursorParams = after ? [after.createdAt, after.createdAt, after.id] : [];
    const chunk = where.needsJsCheck ? CHUNK : want - items.length;
    const rows = c
      .stmt(`SELECT m.* FROM memories m WHERE ${where.sql}${cursorSql} ORDER BY m.created_at, m.id LIMIT ?`)
      .all(...where.params, ...cursorParams, chunk) as MemoryRow[];
    for (const row of rows) {
      const memory = fromRow(row, cipher);
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

/** Newest createdAt passing the filter: one index seek when SQL can decide the filter. */
export function latestCreatedAt(
  c: SqliteConnection,
  cipher: Cipher | null,
  filter: StoreFilter,
): string | null {
  const where = whereFor(filter, { encrypted: cipher !== null });
  if (!where.needsJsCheck) {
    const row = c
      .stmt(`SELECT MAX(m.created_at) AS at FROM memories m WHERE ${where.sql}`)
      .get(...where.params) as {
      at: string | null;
    };
    return row.at;
  }
  const check = compileFilter(filter);
  const rows = c
    .stmt(`SELECT m.* FROM memories m WHERE ${where.sql} ORDER BY m.created_at DESC, m.id DESC`)
    .iterate(...where.params) as Iterable<MemoryRow>;
  for (const row of rows) if (check(fromRow(row, cipher))) return row.created_at;
  return null;
}

export function historyOf(
  c: SqliteConnection,
  cipher: Cipher | null,
  userId: string,
  id: string,
): MemoryVersion[] {
  const rows = c
    .stmt(
      `SELECT v.* FROM versions v JOIN memories m ON m.id = v.memory_id
       WHERE v.memory_id = ? AND m.user_id = ? ORDER BY v.version`,
    )
    .all(id, userId) as VersionRow[];
  return rows.map((r) => fromVersionRow(r, cipher));
}

/** Ids passing a filter the vector index cannot evaluate itself (metadata). */
export function allowedIds(c: SqliteConnection, cipher: Cipher | null, filter: StoreFilter): Set<string> {
  const where = whereFor(filter, { encrypted: cipher !== null });
  const check = compileFilter(filter);
  const columns = where.needsJsCheck ? 'm.*' : 'm.id';
  const rows = c
    .stmt(`SELECT ${columns} FROM memories m WHERE ${where.sql}`)
    .all(...where.params) as MemoryRow[];
  const out = new Set<string>();
  for (const row of rows) if (!where.needsJsCheck || check(fromRow(row, cipher))) out.add(row.id);
  return out;
}

/** BM25-ranked ids for an FTS5 MATCH expression (built by fts-query.ts, never raw user text). */
export function keywordRows(
  c: SqliteConnection,
  cipher: Cipher | null,
  filter: StoreFilter,
  match: string,
  k: number,
): ScoredId[] {
  const where = whereFor(filter, { encrypted: cipher !== null });
  const limit = where.needsJsCheck ? -1 : k;
  // Whole rows only when JS must re-check them; otherwise the id is all the caller needs.
  const columns = where.needsJsCheck ? 'm.*' : 'm.id';
  const rows = c
    .stmt(
      `SELECT ${columns}, -bm25(memories_fts) AS score FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid
       WHERE memories_fts MATCH ? AND ${where.sql} ORDER BY score DESC, m.id LIMIT ?`,
    )
    .all(match, ...where.params, limit) as Array<MemoryRow & { score: number }>;
  const check = compileFilter(filter);
  const out: ScoredId[] = [];
  for (const row of rows) {
    if (where.needsJsCheck && !check(fromRow(row, cipher))) continue;
    out.push({ id: row.id, score: Math.max(row.score, 1e-9) });
    if (out.length === k) break;
  }
  return out;
}

export function usersOf(c: SqliteConnection): string[] {
  const rows = c.stmt('SELECT DISTINCT user_id FROM memories ORDER BY user_id').all() as Array<{
    user_id: string;
  }>;
  return rows.map((r) => r.user_id);
}

export function statsOf(c: SqliteConnection, userId?: string): StoreStats {
  const scope = userId === undefined ? '' : 'WHERE m.user_id = ?';
  const args = userId === undefined ? [] : [userId];
  const layers = c
    .stmt(
      `SELECT m.layer AS layer, COUNT(*) AS count, SUM(m.bytes) AS bytes FROM memories m ${scope} GROUP BY m.layer`,
    )
    .all(...args) as Array<{ layer: Memory['layer']; count: number; bytes: number }>;
  const versions = c
    .stmt(`SELECT COUNT(*) AS n FROM versions v JOIN memories m ON m.id = v.memory_id ${scope}`)
    .get(...args) as { n: number };
  const users = c.stmt(`SELECT COUNT(DISTINCT m.user_id) AS n FROM memories m ${scope}`).get(...args) as {
    n: number;
  };
  const stats: StoreStats = { users: users.n, memories: 0, versions: versions.n, bytes: 0, byLayer: {} };
  for (const row of layers) {
    stats.memories += row.count;
    stats.bytes += row.bytes;
    stats.byLayer[row.layer] = { count: row.count, bytes: row.bytes };
  }
  return stats;
}

/** Keyset-paginated batches ordered by (userId, createdAt, id), each with its vector. */
export function* scanBatches(
  c: SqliteConnection,
  cipher: Cipher | null,
  options: { userId?: string; batchSize?: number },
): Generator<StoredRecord[]> {
  const size = Math.max(1, options.batchSize ?? CHUNK);
  let after: { user: string; created: string; id: string } | null = null;
  for (;;) {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (options.userId !== undefined) {
      clauses.push('m.user_id = ?');
      params.push(options.userId);
    }
    if (after) {
      clauses.push('(m.user_id, m.created_at, m.id) > (?, ?, ?)');
      params.push(after.user, after.created, after.id);
    }
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = c
      .stmt(
        `SELECT m.*, v.vector AS vec FROM memories m LEFT JOIN vectors v ON v.memory_id = m.id ${where}
         ORDER BY m.user_id, m.created_at, m.id LIMIT ?`,
      )
      .all(...params, size) as Array<MemoryRow & { vec: Buffer | null }>;
    if (rows.length === 0) return;
    yield rows.map((row) => ({
      memory: fromRow(row, cipher),
      vector: row.vec ? blobToVector(row.vec, cipher, row.id) : null,
    }));
    const last = rows.at(-1)!;
    after = { user: last.user_id, created: last.created_at, id: last.id };
    if (rows.length < size) return;
  }
}
