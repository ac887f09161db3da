/**
 * Whole-store maintenance for the SQLite store: refusing encrypted data without its key,
 * keeping or dropping the FTS index by keyword mode (rebuilt from decrypted content), and
 * key rotation. All of it works in
 * pages of rows, because better-sqlite3 forbids writes while a read cursor is open and a
 * 100k-row store should not be held in memory at once.
 */
import { ConfigError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import { tokensKey } from '../shared/tokens-key.ts';
import {
  blobToVector,
  contentOf,
  fromRow,
  fromVersionRow,
  ftsText,
  languageOfRow,
  type MemoryRow,
  toParams,
  type VersionRow,
  vectorKeyId,
  vectorToBlob,
} from './row-codec.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { writeVersion } from './sqlite-writes.ts';

const PAGE = 500;

/** Refuses to open encrypted data without its key, before anything is read. */
export function checkKeys(c: SqliteConnection, cipher: Cipher | null): void {
  const rows = c.stmt('SELECT DISTINCT key_id FROM memories WHERE key_id IS NOT NULL').all() as Array<{
    key_id: string;
  }>;
  for (const { key_id: keyId } of rows) {
    if (!cipher) {
      throw new ConfigError(
        `The database at ${c.location} holds encrypted memories (key ${keyId}); set encryption.key or encryption.keyFile to open it.`,
      );
    }
    if (!cipher.knows(keyId)) {
      throw new ConfigError(
        `The database at ${c.location} holds memories encrypted with key ${keyId}, which is not configured; add it to encryption.previousKeys.`,
      );
    }
  }
}

/**
 * Which key and blind-index scheme (or plaintext) and which tokenizer the FTS terms were
 * written with; a store whose meta says otherwise (another key, tokens from before they were
 * keyed per user, an older tokenizer) is reindexed at open.
 */
export function ftsKeyOf(cipher: Cipher | null): string {
  return tokensKey(cipher);
}

/** meta `fts_key` of a file whose FTS table does not follow its rows (written in memory keyword mode). */
export const FTS_NOT_KEPT = 'not-kept';

/**
 * Brings the FTS table in line with the keyword mode: in `memory` mode it is emptied and
 * marked not kept (writes skip it; the in-process index answers keyword search), in `fts5`
 * mode it is rebuilt when its key, tokenizer or upkeep differ. Returns whether it changed.
 */
export function syncFts(c: SqliteConnection, cipher: Cipher | null, mode: 'memory' | 'fts5'): boolean {
  const key = c.readMeta('fts_key');
  if (mode === 'fts5') {
    if (key === ftsKeyOf(cipher)) return false;
    c.tx(() => reindexAll(c, cipher));
    return true;
  }
  if (key === FTS_NOT_KEPT) return false;
  c.tx(() => {
    c.db.prepare("INSERT INTO memories_fts(memories_fts) VALUES ('delete-all')").run();
    c.writeMeta('fts_key', FTS_NOT_KEPT);
  });
  return true;
}

/** Inside a memory-mode write transaction: the rows it writes leave the FTS table behind. */
export function markFtsNotKept(c: SqliteConnection): void {
  if (c.readMeta('fts_key') !== FTS_NOT_KEPT) c.writeMeta('fts_key', FTS_NOT_KEPT);
}

/** Rewrites every FTS row from decrypted content (migration, key change, rotation). Call inside a transaction. */
export function reindexAll(c: SqliteConnection, cipher: Cipher | null): void {
  c.db.prepare("INSERT INTO memories_fts(memories_fts) VALUES ('delete-all')").run();
  const insert = c.db.prepare('INSERT INTO memories_fts (rowid, terms) VALUES (?, ?)');
  const page = c.db.prepare(
    'SELECT rowid, id, user_id, content, metadata, key_id FROM memories WHERE rowid > ? ORDER BY rowid LIMIT ?',
  );
  for (let after = 0; ; ) {
    const rows = page.all(after, PAGE) as MemoryRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      insert.run(row.rowid, ftsText(contentOf(row, cipher), cipher, row.user_id, languageOfRow(row, cipher)));
    }
    after = rows.at(-1)!.rowid;
  }
  c.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run('fts_key', ftsKeyOf(cipher));
}

/**
 * Re-encrypts every row, snapshot and vector with the current key (also encrypting rows written
 * before encryption was enabled) and rebuilds the blind index; returns memories rewritten.
 * Idempotent and chunked: a crash midway leaves a store that still opens (old rows keep
 * their key id, which previousKeys decrypts) and a rerun finishes the job.
 */
export function rotateKeys(c: SqliteConnection, cipher: Cipher, keywordMode: 'memory' | 'fts5'): number {
  let rewritten = 0;
  const stale = c.stmt('SELECT * FROM memories WHERE key_id IS NULL OR key_id != ? LIMIT ?');
  for (;;) {
    const rows = stale.all(cipher.keyId, PAGE) as MemoryRow[];
    if (rows.length === 0) break;
    c.tx(() => {
      for (const row of rows) {
        const params = toParams(fromRow(row, cipher), cipher);
        c.stmt('UPDATE memories SET content = ?, metadata = ?, key_id = ? WHERE id = ?').run(
          params.content,
          params.metadata,
          params.key_id,
          row.id,
        );
        rewritten += 1;
      }
    });
  }
  const staleVersions = c.stmt('SELECT * FROM versions WHERE key_id IS NULL OR key_id != ? LIMIT ?');
  for (;;) {
    const rows = staleVersions.all(cipher.keyId, PAGE) as VersionRow[];
    if (rows.length === 0) break;
    c.tx(() => {
      for (const v of rows) writeVersion(c, cipher, fromVersionRow(v, cipher));
    });
  }
  resealVectors(c, cipher);
  syncFts(c, cipher, keywordMode);
  return rewritten;
}

/** Seals every vector that is plaintext or under an older key with the current key, in pages. */
function resealVectors(c: SqliteConnection, cipher: Cipher): void {
  const page = c.stmt('SELECT memory_id, vector FROM vectors WHERE memory_id > ? ORDER BY memory_id LIMIT ?');
  const write = c.stmt('UPDATE vectors SET vector = ? WHERE memory_id = ?');
  for (let after = ''; ; ) {
    const rows = page.all(after, PAGE) as Array<{ memory_id: string; vector: Buffer }>;
    if (rows.length === 0) break;
    const stale = rows.filter((r) => vectorKeyId(r.vector) !== cipher.keyId);
    if (stale.length > 0) {
      c.tx(() => {
        for (const r of stale) {
          const vector = blobToVector(r.vector, cipher, r.memory_id);
          write.run(vectorToBlob(vector, cipher, r.memory_id), r.memory_id);
        }
      });
    }
    after = rows.at(-1)!.memory_id;
  }
}
