/**
 * Search on the Postgres store. Vector search: pgvector cosine distance (`<=>`) ordered by
 * the HNSW expression index of the model's dimension count, scoped by `user_id = $1` (with
 * pgvector ≥ 0.8 iterative index scans, so a selective user filter still fills k).
 * Keyword search, part 2: the tsquery (keyword.ts) selects the matching rows through the
 * GIN index on (user_id, tsv); their BM25 scores are computed here from the rows'
 * tsvectors exactly as the SQLite store's per-user keyword index computes them (document
 * frequencies and mean length over all of the user's memories), so fused rankings agree.
 */
import { ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { QueryNode } from '../../text/query-ast.ts';
import { compileFilter } from '../shared/filter.ts';
import {
  B,
  K1,
  type KeywordMatch,
  matchDocs,
  PLAIN,
  type TokenDoc,
  type TokenMapping,
} from '../shared/keyword-eval.ts';
import type { ModelInfo, ScoredId, StoreFilter } from '../types.ts';
import type { PostgresConnection } from './connection.ts';
import {
  languageQueryText,
  lexeme,
  parseTsvector,
  positiveWords,
  STRATA_CONFIG,
  strataTsquery,
} from './keyword.ts';
import { fromRow, MEMORY_SELECT, type PgMemoryRow, vectorLiteral } from './row-codec.ts';
import { whereFor } from './sql-filter.ts';

export interface SearchContext {
  c: PostgresConnection;
  cipher: Cipher | null;
  model: ModelInfo | null;
  iterativeScan: boolean;
}

export async function vectorSearch(
  ctx: SearchContext,
  filter: StoreFilter,
  vector: Float32Array,
  k: number,
): Promise<ScoredId[]> {
  const { model } = ctx;
  if (model && vector.length !== model.dimensions) {
    throw new ValidationError(
      `Query vector has ${vector.length} dimensions; the store's model makes ${model.dimensions}.`,
    );
  }
  if (k <= 0) return [];
  const where = whereFor(filter);
  const { text, params } = vectorQuery(filter, vector, k);
  const rows = await ctx.c.tx(
    'vectorSearch',
    async (sql) => {
      if (ctx.iterativeScan) await sql.query("SET LOCAL hnsw.iterative_scan = 'strict_order'");
      await sql.query(`SET LOCAL hnsw.ef_search = ${Math.min(1_000, Math.max(40, Math.floor(k) * 2))}`);
      return sql.query<PgMemoryRow & { vid: string; score: number }>(text, params);
    },
    { readOnly: true },
  );
  const check = where.needsJsCheck ? compileFilter(filter) : null;
  const out: ScoredId[] = [];
  for (const row of rows) {
    if (check && !check(fromRow(row, ctx.cipher))) continue;
    const score = Number(row.score);
    out.push({ id: row.vid, score: Number.isFinite(score) ? score : 0 });
    if (out.length === k) break;
  }
  return out.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

/** The vector query: cosine distance ordered through the HNSW expression index of `dims`. */
export function vectorQuery(
  filter: StoreFilter,
  vector: Float32Array,
  k: number,
): { text: string; params: unknown[] } {
  const dims = vector.length;
  const where = whereFor(filter);
  const n = where.params.length;
  const distance = `v.embedding::vector(${dims}) <=> $${n + 1}::vector(${dims})`;
  const columns = where.needsJsCheck ? `${MEMORY_SELECT}, ` : '';
  const limit = where.needsJsCheck ? '' : `LIMIT ${Math.floor(k)}`;
  const text = `SELECT ${columns}v.memory_id AS vid, 1 - (${distance}) AS score
    FROM strata_vectors v JOIN strata_memories m ON m.user_id = v.user_id AND m.id = v.memory_id
    WHERE ${where.sql} AND v.user_id = $1 AND v.dims = ${dims}
    ORDER BY ${distance}, v.memory_id ${limit}`;
  return { text, params: [...where.params, vectorLiteral(vector)] };
}

function hasFuzzy(node: QueryNode): boolean {
  switch (node.type) {
    case 'term':
      return node.fuzzy !== undefined && node.fuzzy > 0;
    case 'phrase':
      return false;
    case 'not':
      return hasFuzzy(node.child);
    default:
      return node.children.some(hasFuzzy);
  }
}

interface Candidate {
  id: string;
  config: string;
  length: number;
  positions: Map<string, number[]>;
  row: PgMemoryRow;
}

export async function keywordSearch(
  ctx: SearchContext,
  filter: StoreFilter,
  ast: QueryNode,
  k: number,
): Promise<ScoredId[]> {
  const { c, cipher } = ctx;
  const cipherNow = cipher;
  const mapping: TokenMapping = cipherNow
    ? { token: (t) => cipherNow.blindToken(filter.userId, t), exactOnly: true }
    : PLAIN;
  const where = whereFor(filter);
  const userId = filter.userId;
  let vocabulary: string[] = [];
  if (!cipher && hasFuzzy(ast)) {
    const rows = await c.query<{ word: string }>(
      "SELECT word FROM ts_stat(format('SELECT tsv FROM strata_memories WHERE user_id = %L AND fts_config = %L', $1::text, $2::text))",
      [userId, STRATA_CONFIG],
    );
    vocabulary = rows.map((r) => r.word);
  }
  const strata = strataTsquery(ast, { mapping, vocabulary: () => vocabulary });
  const languages = cipher
    ? []
    : (
        await c.query<{ config: string }>('SELECT config FROM strata_fts_configs WHERE user_id = $1', [
          userId,
        ])
      ).map((r) => r.config);
  const languageText = languages.length > 0 ? languageQueryText(ast) : null;

  const params = [...where.params];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const branches: string[] = [];
  if (strata) branches.push(`(m.fts_config = '${STRATA_CONFIG}' AND m.tsv @@ ${bind(strata)}::tsquery)`);
  if (languageText) {
    const text = bind(languageText);
    for (const config of languages) {
      const at = bind(config);
      branches.push(`(m.fts_config = ${at} AND m.tsv @@ to_tsquery(${at}::regconfig, ${text}))`);
    }
  }
  if (branches.length === 0) return [];
  const rows = await c.query<PgMemoryRow & { fts_config: string; token_count: number; tsv: string }>(
    `SELECT ${MEMORY_SELECT}, m.fts_config, m.token_count, m.tsv::text AS tsv FROM strata_memories m
     WHERE ${where.sql} AND (${branches.join(' OR ')})`,
    params,
  );
  const check = where.needsJsCheck ? compileFilter(filter) : null;
  const candidates: Candidate[] = [];
  for (const row of rows) {
    if (check && !check(fromRow(row, cipher))) continue;
    candidates.push({
      id: row.id,
      config: row.fts_config,
      length: Number(row.token_count),
      positions: parseTsvector(row.tsv),
      row,
    });
  }
  if (candidates.length === 0) return [];

  const matches = await hitsOf(ctx, ast, candidates, mapping);
  const tokens = [...new Set(matches.flatMap((m) => [...m.hits.keys()]))];
  const stats = await userStats(ctx, filter.userId, tokens);
  return bm25Scores(matches, stats.total, stats.docFreq, stats.avgLength)
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
}

/** The positive tokens each candidate matched, with term frequencies. */
async function hitsOf(
  ctx: SearchContext,
  ast: QueryNode,
  candidates: Candidate[],
  mapping: TokenMapping,
): Promise<KeywordMatch[]> {
  const docOf = (cand: Candidate): TokenDoc => ({
    id: cand.id,
    positions: cand.positions,
    length: cand.length,
  });
  const strataDocs = candidates.filter((cand) => cand.config === STRATA_CONFIG).map(docOf);
  const out: KeywordMatch[] = matchDocs(ast, strataDocs, mapping);
  const byConfig = new Map<string, Candidate[]>();
  for (const cand of candidates) {
    if (cand.config === STRATA_CONFIG) continue;
    byConfig.set(cand.config, [...(byConfig.get(cand.config) ?? []), cand]);
  }
  const queryWords = [...new Set(positiveWords(ast))];
  for (const [config, list] of byConfig) {
    // The lexemes this language's dictionary makes of the query's words.
    const rows = await ctx.c.query<{ lexemes: string }>(
      'SELECT to_tsvector($1::regconfig, w)::text AS lexemes FROM unnest($2::text[]) AS w',
      [config, queryWords],
    );
    const lexemes = new Set(rows.flatMap((r) => [...parseTsvector(r.lexemes).keys()]));
    for (const cand of list) {
      const hits = new Map<string, number>();
      for (const lex of lexemes) {
        const at = cand.positions.get(lex);
        if (at) hits.set(lex, Math.max(1, at.length));
      }
      out.push({ id: cand.id, hits, length: cand.length });
    }
  }
  return out;
}

/**
 * BM25 as the SQLite store's default keyword index computes it (so both rank alike):
 * idf = ln((N − df + 0.5) / (df + 0.5)), floored at 1e-6, k1 1.2, b 0.75.
 */
export function bm25Scores(
  matches: KeywordMatch[],
  total: number,
  docFreq: Map<string, number>,
  avgLength: number,
): ScoredId[] {
  const avg = avgLength > 0 ? avgLength : 1;
  return matches.map((match) => {
    let score = 0;
    for (const [token, tf] of match.hits) {
      const df = docFreq.get(token) ?? 1;
      const idf = Math.log((total - df + 0.5) / (df + 0.5));
      score += ((idf > 0 ? idf : 1e-6) * tf * (K1 + 1)) / (tf + K1 * (1 - B) + (K1 * B * match.length) / avg);
    }
    return { id: match.id, score: Math.max(score, 1e-9) };
  });
}

/**
 * Documents, mean token count and per-token document frequency over all of the user's
 * memories (the statistics the SQLite store's per-user index keeps), each through an index
 * that starts with user_id.
 */
async function userStats(
  ctx: SearchContext,
  userId: string,
  tokens: string[],
): Promise<{ total: number; avgLength: number; docFreq: Map<string, number> }> {
  // One round trip: the user's document count, mean length and each token's frequency.
  const rows = await ctx.c.query<{ n: number; avg: number | null; df: number[] }>(
    `SELECT COUNT(*)::int AS n, AVG(token_count)::float8 AS avg,
       ARRAY(SELECT (SELECT COUNT(*)::int FROM strata_memories m WHERE m.user_id = $1 AND m.tsv @@ t.q::tsquery)
             FROM unnest($2::text[]) WITH ORDINALITY AS t(q, i) ORDER BY t.i) AS df
     FROM strata_memories WHERE user_id = $1`,
    [userId, tokens.map(lexeme)],
  );
  const docFreq = new Map<string, number>();
  for (const [i, token] of tokens.entries()) docFreq.set(token, Number(rows[0]?.df[i] ?? 0));
  return { total: rows[0]?.n ?? 0, avgLength: Number(rows[0]?.avg ?? 0), docFreq };
}
