/**
 * Builds the in-process keyword index (stores/keyword-index) from a SQLite file. The FTS5
 * table is contentless, so its token streams cannot be read back: they are recomputed from
 * the (decrypted) content with the store's own ftsText, exactly what the FTS rows were
 * written from, in pages of rows like the FTS rebuild. Under encryption the tokens are the
 * blind-index digests; the plaintext exists only transiently, as it does for every read.
 */
import type { Cipher } from '../../security/cipher.ts';
import type { LayerName } from '../../types.ts';
import { KeywordIndex } from '../keyword-index/keyword-index.ts';
import { contentOf, ftsText, languageOfRow } from './row-codec.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

const PAGE = 2_000;

interface LoadRow {
  rowid: number;
  id: string;
  user_id: string;
  layer: LayerName;
  created_at: string;
  superseded_by: string | null;
  content: string | Buffer;
  metadata: string | Buffer;
  key_id: string | null;
}

/** The stream a memory's content is indexed as (the FTS row's terms), as tokens. */
export function keywordTokens(terms: string): string[] {
  return terms.length === 0 ? [] : terms.split(' ');
}

/**
 * Builds the index a page of rows at a time, so the store can fill it between other work
 * (setImmediate steps) instead of in one ~2 s block on the first keyword search. The index
 * is usable for writes from the start: rows the store writes meanwhile are upserted into it
 * as usual (with their latest content), so the build covers only the rows that existed
 * when it started (rowid up to the highest one then) and skips a row the write path has
 * already indexed. Re-indexing such rows used to cost a removal first, and a removal scans
 * each term's whole posting list: for terms in nearly every row that made a build racing a
 * bulk fill quadratic (100k rows: 8 s on the first search). Another connection's write is
 * not seen by the write path: the store drops the build then (data_version).
 */
export class KeywordIndexBuild {
  readonly index = new KeywordIndex();
  private after = 0;
  /** The highest rowid when the build started: later rows come through the write path. */
  private readonly last: number;
  private done = false;

  constructor(
    private readonly c: SqliteConnection,
    private readonly cipher: Cipher | null,
  ) {
    const top = c.stmt('SELECT MAX(rowid) AS last FROM memories').get() as { last: number | null };
    this.last = top.last ?? 0;
  }

  /** Indexes up to `rows` more rows (in rowid order); true once every row is in. */
  step(rows: number = PAGE): boolean {
    if (this.done) return true;
    const page = this.c.stmt(
      `SELECT rowid, id, user_id, layer, created_at, superseded_by, content, metadata, key_id FROM memories
       WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?`,
    );
    const batch = page.all(this.after, this.last, rows) as LoadRow[];
    for (const row of batch) {
      if (this.index.has(row.user_id, row.id)) continue; // written since open: already current
      this.index.upsert(
        row.user_id,
        row.id,
        keywordTokens(
          ftsText(contentOf(row, this.cipher), this.cipher, row.user_id, languageOfRow(row, this.cipher)),
        ),
        {
          layer: row.layer,
          createdMs: Date.parse(row.created_at),
          superseded: row.superseded_by !== null,
        },
      );
    }
    if (batch.length < rows || batch.at(-1)!.rowid >= this.last) {
      this.done = true;
      this.index.trim(); // built in bulk: give back the room growth left in its arenas
    } else this.after = batch.at(-1)!.rowid;
    return this.done;
  }

  finish(): KeywordIndex {
    while (!this.step()) {}
    return this.index;
  }
}
