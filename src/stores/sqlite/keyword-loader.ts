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
import { contentOf, ftsText } from './row-codec.ts';
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
  key_id: string | null;
}

/** The stream a memory's content is indexed as (the FTS row's terms), as tokens. */
export function keywordTokens(terms: string): string[] {
  return terms.length === 0 ? [] : terms.split(' ');
}

export function loadKeywordIndex(c: SqliteConnection, cipher: Cipher | null): KeywordIndex {
  const index = new KeywordIndex();
  const page = c.stmt(
    `SELECT rowid, id, user_id, layer, created_at, superseded_by, content, key_id FROM memories
     WHERE rowid > ? ORDER BY rowid LIMIT ?`,
  );
  for (let after = 0; ; ) {
    const rows = page.all(after, PAGE) as LoadRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      index.upsert(row.user_id, row.id, keywordTokens(ftsText(contentOf(row, cipher), cipher)), {
        layer: row.layer,
        createdMs: Date.parse(row.created_at),
        superseded: row.superseded_by !== null,
      });
    }
    after = rows.at(-1)!.rowid;
  }
  return index;
}
