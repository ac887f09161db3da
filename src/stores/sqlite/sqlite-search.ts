/**
 * Search over a SQLite store: vector search on the in-process index (int8 estimates
 * re-scored with the exact vectors from the file), keyword search on the in-process keyword
 * index or on FTS5 (with the common-terms shortcut), metadata filters resolved to allowed ids
 * first. Pure functions over a connection and the store's indexes.
 */
import { ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { KeywordQuery } from '../../text/query-ast.ts';
import { PLAIN, type TokenMapping } from '../shared/keyword-eval.ts';
import { cosine } from '../shared/records.ts';
import type { ModelInfo, ScoredId, StoreFilter } from '../types.ts';
import { rescoreTopK } from '../vector-index/vector-index.ts';
import { toFtsMatch } from './fts-query.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import type { SqliteIndexes } from './sqlite-indexes.ts';
import * as reads from './sqlite-reads.ts';

export interface SearchContext {
  c: SqliteConnection;
  cipher: Cipher | null;
  indexes: SqliteIndexes;
  model: ModelInfo | null;
}

const allowedIdsOf = ({ c, cipher }: SearchContext, filter: StoreFilter) =>
  filter.metadata && Object.keys(filter.metadata).length > 0
    ? reads.allowedIds(c, cipher, filter)
    : undefined;

export function vectorSearch(
  ctx: SearchContext,
  filter: StoreFilter,
  vector: Float32Array,
  k: number,
): ScoredId[] {
  const { c, model } = ctx;
  if (model && vector.length !== model.dimensions) {
    throw new ValidationError(
      `Query vector has ${vector.length} dimensions; the store's model makes ${model.dimensions}.`,
    );
  }
  const index = ctx.indexes.currentVectors(c, model?.dimensions);
  if (!index || k <= 0) return [];
  const candidates = index.search(filter, vector, k, allowedIdsOf(ctx, filter));
  let results: ScoredId[] = candidates;
  if (index.precision === 'int8' && candidates.length > 0) {
    // int8 scores are estimates: re-score with the exact vectors from disk, read only for
    // candidates whose error bound can still reach the top k (same result as re-scoring
    // all k·INT8_OVERSAMPLE of them; each read is a random page, ~5 µs at 100k).
    results = rescoreTopK(candidates, k, (ids) => {
      const scores = new Map<string, number>();
      for (const [id, exact] of reads.vectorsOf(c, ctx.cipher, ids)) scores.set(id, cosine(vector, exact));
      return scores;
    });
  }
  return results
    .map(({ id, score }) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
}

/** BM25 on the in-process per-user keyword index (blind tokens when encrypted). */
export function memoryKeywordSearch(
  ctx: SearchContext,
  filter: StoreFilter,
  ast: NonNullable<KeywordQuery['ast']>,
  k: number,
): ScoredId[] {
  const keywords = ctx.indexes.readyKeywords(ctx.c);
  const cipher = ctx.cipher;
  const mapping: TokenMapping = cipher
    ? { token: (t) => cipher.blindToken(filter.userId, t), exactOnly: true }
    : PLAIN;
  return keywords.search(filter, ast, k, mapping, allowedIdsOf(ctx, filter));
}

/** BM25 on FTS5, trying first without the terms that occur in half of all rows. */
export function ftsKeywordSearch(
  ctx: SearchContext,
  filter: StoreFilter,
  ast: NonNullable<KeywordQuery['ast']>,
  k: number,
): ScoredId[] {
  const { c, cipher, indexes } = ctx;
  const match = toFtsMatch(ast, {
    cipher,
    userId: filter.userId,
    vocabulary: (min, max) => indexes.vocabulary(c, min, max),
  });
  if (match === null) return [];
  // Terms in half of all rows barely score but make FTS5 rank nearly every row: try without
  // them first and keep that answer when it fills k (common-terms.ts explains why it's safe).
  const pruned = cipher ? null : indexes.common.prune(c, ast, c.dataVersion());
  const prunedMatch =
    pruned && toFtsMatch(pruned, { cipher: null, userId: filter.userId, vocabulary: () => [] });
  if (prunedMatch) {
    const rows = reads.keywordRows(c, cipher, filter, prunedMatch, k);
    if (rows.length >= k) return rows;
  }
  return reads.keywordRows(c, cipher, filter, match, k);
}
