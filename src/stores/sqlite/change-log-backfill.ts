/**
 * Memories written before the change log existed (a store upgraded to schema 4) get one
 * import entry each at open, holding the memory and its whole history, so the log explains
 * every stored memory and peers can receive them. Paged, one transaction per page; a crash
 * midway leaves the rest for the next open (they still have no log_hash, the flag is still set).
 */
import type { Cipher } from '../../security/cipher.ts';
import type { SqliteChangeLog } from './change-log.ts';
import { fromRow, type MemoryRow } from './row-codec.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { historyOf } from './sqlite-reads.ts';

const PAGE = 500;
const FLAG = 'log_backfill';

/**
 * Logs every memory that has no entry yet, when the schema-4 migration asked for it (once:
 * later, a row without an entry is one written behind the log's back, which verify reports
 * and this must not make legitimate). Returns how many.
 */
export function backfillLog(c: SqliteConnection, cipher: Cipher | null, log: SqliteChangeLog): number {
  if (c.readMeta(FLAG) !== 'pending') return 0;
  const page = c.stmt('SELECT * FROM memories WHERE log_hash IS NULL ORDER BY rowid LIMIT ?');
  let logged = 0;
  for (;;) {
    const rows = page.all(PAGE) as MemoryRow[];
    if (rows.length === 0) {
      c.writeMeta(FLAG, null);
      return logged;
    }
    c.tx(() => {
      for (const row of rows) {
        const memory = fromRow(row, cipher);
        const history = historyOf(c, cipher, memory.userId, memory.id);
        log.markHead(memory.id, log.append(memory.userId, 'import', memory.id, { memory, history }));
      }
    });
    logged += rows.length;
  }
}
