/**
 * Term-at-a-time BM25 for the common query shape, a flat OR of tokens (a natural-language
 * query), where a document's hits are exactly the query tokens it holds. Terms run rarest
 * first; once the k-th best partial score among accepted documents exceeds the most the
 * remaining terms could add to an unseen document (Σ idf·(k1+1), BM25's bound for any tf),
 * no unseen document can reach the top k, so the remaining (common) terms only add to
 * documents already seen. That is exact (a strict bound, so ties cannot change), and it
 * keeps a term found in most of a user's rows from making every row a candidate.
 */
import type { ScoredId } from '../types.ts';
import type { KeywordPartition } from './partition.ts';
import { TF_SATURATED } from './postings.ts';
import { TopK } from './top-k.ts';

/** A query term's postings: entries start .. start + n of the partition's arena. */
export interface FlatTerm {
  term: number;
  start: number;
  n: number;
  /** idf · (k1 + 1): the term's weight and its upper bound per document. */
  weight: number;
}

export interface FlatScoring {
  k: number;
  /** BM25 length normalization: tf / (tf + base + perToken · length). */
  base: number;
  perToken: number;
  accept: (slot: number) => boolean;
  /** Zeroed scratch of at least p.capacity entries; left zeroed. */
  scores: Float64Array;
}

const MAX_BOUND_CHECKS = 4;

export function scoreFlatOr(p: KeywordPartition, terms: FlatTerm[], s: FlatScoring): ScoredId[] {
  const { k, base, perToken, accept, scores } = s;
  terms.sort((a, b) => a.n - b.n);
  const rest = new Float64Array(terms.length + 1);
  for (let j = terms.length - 1; j >= 0; j--) rest[j] = rest[j + 1]! + terms[j]!.weight;
  const lengths = p.lengths;
  const { slots, tfs } = p.postings;
  const touched: number[] = [];
  let open = true;
  let checks = 0;
  let maxSeen = 0;
  for (let j = 0; j < terms.length; j++) {
    // Only worth a pass over the seen slots once the bound could possibly hold.
    if (open && touched.length >= k && rest[j]! < maxSeen && checks < MAX_BOUND_CHECKS) {
      checks += 1;
      if (kthBest(touched, scores, accept, k) > rest[j]!) open = false;
    }
    const { term, start, n, weight } = terms[j]!;
    for (let i = start; i < start + n; i++) {
      const slot = slots[i]!;
      const seen = scores[slot] !== 0;
      if (!seen && !open) continue;
      let tf = tfs[i]!;
      if (tf === TF_SATURATED) tf = p.exactTf(slot, term);
      if (!seen) touched.push(slot);
      const score = scores[slot]! + (weight * tf) / (tf + base + perToken * lengths[slot]!);
      scores[slot] = score;
      if (score > maxSeen) maxSeen = score;
    }
  }
  const top = new TopK(k, p.ids);
  for (const slot of touched) {
    const score = scores[slot]!;
    scores[slot] = 0;
    if (accept(slot)) top.offer(slot, Math.max(score, 1e-9));
  }
  return top.result();
}

/** The k-th highest partial score among accepted seen slots (0 when fewer than k). */
function kthBest(
  touched: number[],
  scores: Float64Array,
  accept: (slot: number) => boolean,
  k: number,
): number {
  const best: number[] = [];
  for (const slot of touched) {
    const score = scores[slot]!;
    if (best.length === k && score <= best[k - 1]!) continue;
    if (!accept(slot)) continue;
    let at = best.length;
    while (at > 0 && best[at - 1]! < score) at--;
    best.splice(at, 0, score);
    if (best.length > k) best.pop();
  }
  return best.length < k ? 0 : best[k - 1]!;
}
