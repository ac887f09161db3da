/**
 * Keyword-search pruning of terms too common to rank. FTS5's BM25 clamps the IDF of a term
 * found in at least half of all rows to 1e-6, so such a term adds next to nothing to any
 * score, yet an OR query containing it makes FTS5 compute BM25 for, and sort, nearly every
 * row (a natural-language query with "user" against episodic memories scored all 10k rows:
 * 6 ms, and 10x that at 100k). The store first runs the query without those terms and keeps
 * the answer when it already fills k; otherwise it runs the full query, so the pruning can
 * only drop the near-zero tail contributions (at most ~2e-6 per pruned term) and never
 * changes which rows match when fewer than k do. Document frequencies come from the
 * fts5vocab table and are cached until enough writes happened to flip the answer.
 */
import type { QueryNode } from '../../text/query-ast.ts';
import { exactToken } from '../shared/term-expansion.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

/** FTS5 keeps its total row count as the first varint of the averages record (rowid 1). */
export function ftsRowCount(c: SqliteConnection): number | null {
  const row = c.stmt('SELECT block FROM memories_fts_data WHERE id = 1').get() as
    | { block: Buffer }
    | undefined;
  if (!row || row.block.length === 0) return null;
  // SQLite varint: big-endian 7-bit groups, high bit = more; the 9th byte carries 8 bits.
  let value = 0;
  for (let i = 0; i < Math.min(9, row.block.length); i++) {
    const byte = row.block[i]!;
    if (i === 8) return value * 256 + byte;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return value;
  }
  return null;
}

export class CommonTerms {
  private readonly cache = new Map<string, { df: number; writes: number }>();
  private writes = 0;
  private dataVersion = -1;

  /** Rows inserted or updated by this connection since the last reset. */
  noteWrites(rows: number): void {
    this.writes += rows;
  }

  /** Bulk changes (deletes, re-index): forget every cached frequency. */
  reset(): void {
    this.cache.clear();
  }

  private isCommon(c: SqliteConnection, token: string, total: number, dataVersion: number): boolean {
    if (dataVersion !== this.dataVersion) {
      this.cache.clear();
      this.dataVersion = dataVersion;
    }
    let entry = this.cache.get(token);
    // One write moves 2·df − total by at most 3, so a cached df stays decisive until then.
    if (!entry || 3 * (this.writes - entry.writes) >= Math.abs(2 * entry.df - total)) {
      const row = c.stmt('SELECT doc FROM memories_vocab WHERE term = ?').get(token) as
        | { doc: number }
        | undefined;
      entry = { df: row?.doc ?? 0, writes: this.writes };
      this.cache.set(token, entry);
    }
    return 2 * entry.df >= total;
  }

  /**
   * The query without its common plain terms, or null when nothing would change (not a
   * top-level OR of terms, no common term, or every term is common).
   */
  prune(c: SqliteConnection, ast: QueryNode, dataVersion: number): QueryNode | null {
    if (ast.type !== 'or') return null;
    const total = ftsRowCount(c);
    if (total === null || total < 2) return null;
    const kept = ast.children.filter(
      (child) =>
        child.type !== 'term' ||
        child.prefix ||
        (child.fuzzy ?? 0) > 0 ||
        !this.isCommon(c, exactToken(child.value, child.language), total, dataVersion),
    );
    if (kept.length === ast.children.length || kept.length === 0) return null;
    return kept.length === 1 ? kept[0]! : { type: 'or', children: kept };
  }
}
