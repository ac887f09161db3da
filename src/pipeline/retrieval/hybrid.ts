/**
 * Hybrid search: one query embedded once, the store's vector and keyword (BM25) lists
 * fetched with the same user-scoped filter, fused (fusion.ts: config scoring.fusion,
 * vectorWeight and rrfK) and hydrated into memories. Both lists are
 * oversampled so that an item ranked modestly in each can still win after fusion. The
 * userId in the filter is what keeps search inside one user; stores enforce it too. The
 * keyword query is tokenized in the query's languages (text/detect-language.ts
 * queryLanguages under config language, or the ones the caller settled, as recall does).
 */
import type { EngineContext } from '../../layers/context.ts';
import type { ScoredId, StoreFilter } from '../../stores/types.ts';
import { queryLanguages } from '../../text/detect-language.ts';
import type { Language } from '../../text/languages.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { resolveTimeRange } from '../../text/time-filter.ts';
import type { ParsedSearchQuery, SearchResult } from '../../types.ts';
import { fuse, type RankedList } from './fusion.ts';

/** How many candidates each list fetches per requested result. */
export const OVERSAMPLE = 4;
const MIN_CANDIDATES = 20;

export async function hybridSearch(
  ctx: EngineContext,
  query: ParsedSearchQuery,
  languages: readonly Language[] = queryLanguages(query.query, ctx.config.language),
): Promise<SearchResult[]> {
  const filter = searchFilter(ctx, query);
  const candidates = Math.max(query.k * OVERSAMPLE, MIN_CANDIDATES);
  const wantVector = query.mode !== 'keyword';
  const keywordQuery = query.mode === 'vector' ? null : parseKeywordQuery(query.query, { languages });
  const wantKeyword = keywordQuery?.ast != null;

  const [vectorHits, keywordHits] = await Promise.all([
    wantVector
      ? ctx.embedder
          .embed(query.query)
          .then((v) => ctx.store.vectorSearch(filter, v, candidates))
          // Cosine <= 0 means unrelated; without this every query "matches" every memory.
          .then((hits) => hits.filter((hit) => hit.score > 0))
      : Promise.resolve<ScoredId[]>([]),
    wantKeyword && keywordQuery
      ? ctx.store.keywordSearch(filter, keywordQuery, candidates)
      : Promise.resolve<ScoredId[]>([]),
  ]);

  const { vectorWeight, rrfK, fusion } = ctx.config.scoring;
  const lists: RankedList[] = [];
  if (wantVector)
    lists.push({ name: 'vector', weight: query.mode === 'vector' ? 1 : vectorWeight, items: vectorHits });
  if (wantKeyword) {
    lists.push({
      name: 'keyword',
      weight: query.mode === 'keyword' ? 1 : 1 - vectorWeight,
      items: keywordHits,
    });
  }
  // A single list keeps its own scores (cosine or BM25), which are easier to read than RRF.
  const fused = fuse(lists, { method: lists.length === 1 ? 'score' : fusion, k: rrfK });
  const top = fused.filter((item) => item.score > 0 || lists.length === 1).slice(0, query.k);
  if (top.length === 0) return [];

  const memories = await ctx.store.getMany(
    query.userId,
    top.map((item) => item.id),
  );
  const byId = new Map(memories.map((memory) => [memory.id, memory]));
  const results: SearchResult[] = [];
  for (const item of top) {
    const memory = byId.get(item.id);
    // Defence in depth: a store bug must never leak another user's memory.
    if (!memory || memory.userId !== query.userId) continue;
    const single = lists.length === 1 ? lists[0]?.name : undefined;
    const score = single ? (item.signals[single] ?? item.score) : item.score;
    results.push({ memory, score, signals: item.signals });
  }
  return results;
}

/** The store filter for a search or list query: user, layers, time range, metadata. */
export function searchFilter(
  ctx: EngineContext,
  query: Pick<ParsedSearchQuery, 'userId' | 'layers' | 'since' | 'until' | 'timeZone' | 'metadata'> & {
    includeSuperseded?: boolean | undefined;
  },
): StoreFilter {
  const range = resolveTimeRange({
    since: query.since,
    until: query.until,
    timeZone: query.timeZone ?? ctx.config.timeZone,
    now: ctx.clock.now(),
  });
  const filter: StoreFilter = { userId: query.userId, includeSuperseded: query.includeSuperseded ?? false };
  if (query.layers && query.layers.length > 0) filter.layers = query.layers;
  if (range.since) filter.since = range.since;
  if (range.until) filter.until = range.until;
  if (query.metadata && Object.keys(query.metadata).length > 0) filter.metadata = query.metadata;
  return filter;
}
