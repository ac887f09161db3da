/**
 * Rank fusion for hybrid search: combines the vector list (cosine) and the keyword list
 * (BM25) into one ranking. Pure functions, no I/O, so the formulas are tested directly.
 *
 * Weighted reciprocal rank fusion ('rrf'):
 *   score(d) = Σ_i  w_i / (k + rank_i(d))      rank 1-based; lists where d is absent add 0
 * RRF ignores score scales, which differ wildly between cosine and BM25, and rewards
 * documents that both lists rank high. k (config scoring.rrfK, default 60) flattens the
 * head. In both, w_vector = scoring.vectorWeight and w_keyword = 1 - vectorWeight.
 *
 * Normalized score fusion ('score', the configured default since it measured better on
 * LoCoMo with the default embedder):
 *   score(d) = Σ_i  w_i · s_i(d) / max_j s_i(j)   (negative scores clip to 0)
 * keeps how much better the top hit is than the next, which RRF throws away.
 */

export interface ScoredItem {
  id: string;
  score: number;
}

export interface RankedList {
  /** Signal name reported per result, e.g. "vector" or "keyword". */
  name: string;
  weight: number;
  /** Best first. */
  items: ScoredItem[];
}

export interface FusedItem {
  id: string;
  score: number;
  /** Raw score per list the item appeared in, plus `<name>Rank` (1-based). */
  signals: Record<string, number>;
}

export type FusionMethod = 'rrf' | 'score';

export interface FusionOptions {
  method?: FusionMethod;
  /** RRF constant; must be > 0. */
  k?: number;
}

export function fuse(lists: RankedList[], options: FusionOptions = {}): FusedItem[] {
  return options.method === 'score'
    ? normalizedScoreFusion(lists)
    : reciprocalRankFusion(lists, options.k ?? 60);
}

export function reciprocalRankFusion(lists: RankedList[], k = 60): FusedItem[] {
  if (!(k > 0)) throw new RangeError(`RRF k must be positive, got ${k}`);
  return accumulate(lists, (_item, rank, list) => list.weight / (k + rank));
}

export function normalizedScoreFusion(lists: RankedList[]): FusedItem[] {
  const maxima = new Map(lists.map((list) => [list, Math.max(0, ...list.items.map((i) => i.score))]));
  return accumulate(lists, (item, _rank, list) => {
    const max = maxima.get(list) ?? 0;
    return max > 0 ? (list.weight * Math.max(0, item.score)) / max : 0;
  });
}

function accumulate(
  lists: RankedList[],
  contribution: (item: ScoredItem, rank: number, list: RankedList) => number,
): FusedItem[] {
  const byId = new Map<string, FusedItem>();
  const order = new Map<string, number>();
  let seen = 0;
  for (const list of lists) {
    const ids = new Set<string>();
    list.items.forEach((item, index) => {
      // A store should not return an id twice; if it does, the best (first) rank counts.
      if (ids.has(item.id)) return;
      ids.add(item.id);
      const rank = index + 1;
      let fused = byId.get(item.id);
      if (!fused) {
        fused = { id: item.id, score: 0, signals: {} };
        byId.set(item.id, fused);
        order.set(item.id, seen++);
      }
      fused.score += contribution(item, rank, list);
      fused.signals[list.name] = item.score;
      fused.signals[`${list.name}Rank`] = rank;
    });
  }
  // Ties keep first-seen order (the first list's ranking), so results are deterministic.
  return [...byId.values()].sort(
    (a, b) => b.score - a.score || (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0),
  );
}
