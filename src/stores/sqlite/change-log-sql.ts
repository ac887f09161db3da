/**
 * The change log's tables as plain functions over a connection: entries (sync_log, rowid =
 * arrival order), the head of every (user, author) chain (sync_heads, kept in the same
 * transaction as each append, so a chain cut short behind its head shows), known public
 * keys (sync_keys) and small JSON values per peer and user (sync_peers: cursors, the heads
 * a peer last showed, its pinned identity). Bodies are decoded here too: payload text,
 * opened under the cipher, to the LogBody the state rule (shared/log-state.ts) takes.
 */
import type { Cipher } from '../../security/cipher.ts';
import { GENESIS, type LogEntry, type LogOp, openPayload } from '../../security/log-entry.ts';
import type { DerivableEntry, LogBody } from '../shared/log-state.ts';
import type { ChainHead } from '../types.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

export interface EntryRow {
  rowid: number;
  hash: string;
  user_id: string;
  author: string;
  seq: number;
  hlc: string;
  op: string;
  memory_id: string;
  prev_hash: string;
  payload_hash: string;
  payload: string | null;
  sig: string;
  via: string | null;
}

export function toEntry(row: EntryRow): LogEntry {
  return {
    userId: row.user_id,
    instanceId: row.author,
    seq: row.seq,
    hlc: row.hlc,
    op: row.op as LogOp,
    memoryId: row.memory_id,
    prevHash: row.prev_hash,
    payloadHash: row.payload_hash,
    payload: row.payload,
    hash: row.hash,
    sig: row.sig,
  };
}

/** Adds an entry and (unless `head` is false: a batch writes its heads once, at its end) moves its chain head. */
export function insertEntry(
  c: SqliteConnection,
  entry: LogEntry,
  via: string | null,
  { head = true }: { head?: boolean } = {},
): void {
  c.stmt(
    `INSERT INTO sync_log (hash, user_id, author, seq, hlc, op, memory_id, prev_hash, payload_hash, payload, sig, via)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    entry.hash,
    entry.userId,
    entry.instanceId,
    entry.seq,
    entry.hlc,
    entry.op,
    entry.memoryId,
    entry.prevHash,
    entry.payloadHash,
    entry.payload,
    entry.sig,
    via,
  );
  if (head) writeHead(c, entry.userId, { instanceId: entry.instanceId, seq: entry.seq, hash: entry.hash });
}

/** Sets the head of one chain. */
export function writeHead(c: SqliteConnection, userId: string, head: ChainHead): void {
  c.stmt(
    `INSERT INTO sync_heads (user_id, author, seq, hash) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, author) DO UPDATE SET seq = excluded.seq, hash = excluded.hash`,
  ).run(userId, head.instanceId, head.seq, head.hash);
}

/** The head of one chain; seq 0 and GENESIS when it has no entry yet. */
export function headOf(c: SqliteConnection, userId: string, author: string): ChainHead {
  const row = c
    .stmt('SELECT seq, hash FROM sync_heads WHERE user_id = ? AND author = ?')
    .get(userId, author) as { seq: number; hash: string } | undefined;
  return { instanceId: author, seq: row?.seq ?? 0, hash: row?.hash ?? GENESIS };
}

export function headsOf(c: SqliteConnection, userId: string): ChainHead[] {
  const rows = c
    .stmt('SELECT author, seq, hash FROM sync_heads WHERE user_id = ? ORDER BY author')
    .all(userId) as Array<{ author: string; seq: number; hash: string }>;
  return rows.map((r) => ({ instanceId: r.author, seq: r.seq, hash: r.hash }));
}

export function entryAt(
  c: SqliteConnection,
  userId: string,
  author: string,
  seq: number,
): EntryRow | undefined {
  return c
    .stmt('SELECT * FROM sync_log WHERE user_id = ? AND author = ? AND seq = ?')
    .get(userId, author, seq) as EntryRow | undefined;
}

export function entriesOfMemory(c: SqliteConnection, userId: string, memoryId: string): EntryRow[] {
  return c
    .stmt('SELECT * FROM sync_log WHERE user_id = ? AND memory_id = ?')
    .all(userId, memoryId) as EntryRow[];
}

export function logUsers(c: SqliteConnection): string[] {
  const rows = c.stmt('SELECT user_id FROM sync_heads GROUP BY user_id ORDER BY user_id').all() as Array<{
    user_id: string;
  }>;
  return rows.map((r) => r.user_id);
}

/** Decodes a row's payload for the state rule: its body, null when pruned, 'sealed' when unreadable here. */
export function derivable(
  row: Pick<EntryRow, 'hash' | 'author' | 'hlc' | 'op' | 'payload' | 'user_id' | 'memory_id'>,
  cipher: Cipher | null,
): DerivableEntry {
  let body: DerivableEntry['body'] = null;
  if (row.payload !== null) {
    const json = openPayload(cipher, row.payload, row.user_id, row.memory_id);
    body = json === null ? 'sealed' : (JSON.parse(json) as LogBody);
  }
  return { hash: row.hash, instanceId: row.author, hlc: row.hlc, op: row.op as LogOp, body };
}

export function pruneEntries(c: SqliteConnection, hashes: string[]): void {
  for (const hash of hashes) c.stmt('UPDATE sync_log SET payload = NULL WHERE hash = ?').run(hash);
}

export function knownKey(c: SqliteConnection, instanceId: string): string | undefined {
  const row = c.stmt('SELECT public_key FROM sync_keys WHERE instance_id = ?').get(instanceId) as
    | { public_key: string }
    | undefined;
  return row?.public_key;
}

export function addKey(
  c: SqliteConnection,
  instanceId: string,
  publicKey: string,
  source: string,
  at: string,
): void {
  c.stmt(
    'INSERT OR IGNORE INTO sync_keys (instance_id, public_key, source, added_at) VALUES (?, ?, ?, ?)',
  ).run(instanceId, publicKey, source, at);
}

export function readPeerValue(c: SqliteConnection, peer: string, userId: string, key: string): unknown {
  const row = c
    .stmt('SELECT value FROM sync_peers WHERE peer = ? AND user_id = ? AND key = ?')
    .get(peer, userId, key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as unknown) : null;
}

export function writePeerValue(
  c: SqliteConnection,
  peer: string,
  userId: string,
  key: string,
  value: unknown,
): void {
  if (value === null || value === undefined) {
    c.stmt('DELETE FROM sync_peers WHERE peer = ? AND user_id = ? AND key = ?').run(peer, userId, key);
    return;
  }
  c.stmt(
    `INSERT INTO sync_peers (peer, user_id, key, value) VALUES (?, ?, ?, ?)
     ON CONFLICT (peer, user_id, key) DO UPDATE SET value = excluded.value`,
  ).run(peer, userId, key, JSON.stringify(value));
}
