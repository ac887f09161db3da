/**
 * Term-at-a-time BM25 for the common query shape, a flat OR of tokens (a natural-language
 * query), where a document's hits are exactly the query tokens it holds, with MaxScore-style
 * pruning. Each term has an upper bound on what it adds to any one document: its weight
 * idf·(k1+1) times tf / (tf + base + perToken·length) at the list's largest tf and shortest
 * document (postings.ts keeps both per list). Terms run rarest first; once the k-th best
 * partial score among accepted documents exceeds the sum of the remaining terms' bounds, no
 * unseen document can reach the top k, so the remaining (common) terms only add to
 * documents already seen (the list is "closed"). From then on, before each term, the seen
 * documents whose partial score plus the remaining bounds falls below that k-th score are
 * dropped: they cannot reach the top k. A remaining term whose list holds more entries than
 * there are survivors and has a dense tf column (postings.ts: lists holding a fifth or more
 * of the slots) is looked up per survivor instead of walked; the corpus's small vocabulary
 * makes such terms hold 40k-200k of a heavy user's 200k rows. Seen slots live in a reused
 * Int32Array scratch, and the filter is checked once per seen slot, at the close.
 *
 * Exact: every score that reaches the result is the same sum, added in the same term order,
 * as scoring every posting would give (a test compares with that on random corpora), and a
 * document is dropped only when its bound is below the k-th score by more than float
 * rounding could explain (BOUND_SLACK), so ties cannot change either.
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
  /** idf · (k1 + 1): the term's weight and its upper bound per document for any tf. */
  weight: number;
  /** Largest stored tf (TF_SATURATED: unknown, any) and shortest document in the list. */
  maxTf: number;
  minLength: number;
  /** The list's tf per slot, when it has one (postings.ts, dense). */
  dense: Uint8Array | null;
}

export interface FlatScoring {
  k: number;
  /** BM25 length normalization: tf / (tf + base + perToken · length). */
  base: number;
  perToken: number;
  accept: (slot: number) => boolean;
  /** Zeroed scratch of at least p.capacity entries; left zeroed. */
  scores: Float64Array;
  /** Scratch of at least p.capacity entries (the seen slots). */
  seen: Int32Array;
}

const MAX_BOUND_CHECKS = 4;
/** Relative slack on every bound, far above the rounding of a sum of a few dozen terms. */
const BOUND_SLACK = 1e-9;

export function scoreFlatOr(p: KeywordPartition, terms: FlatTerm[], s: FlatScoring): ScoredId[] {
  const { k, base, perToken, accept, scores, seen } = s;
  terms.sort((a, b) => a.n - b.n);
  const rest = new Float64Array(terms.length + 1);
  for (let j = terms.length - 1; j >= 0; j--) {
    const { weight, maxTf, minLength } = terms[j]!;
    const bound = maxTf >= TF_SATURATED ? weight : (weight * maxTf) / (maxTf + base + perToken * minLength);
    rest[j] = rest[j + 1]! + bound * (1 + BOUND_SLACK);
  }
  const lengths = p.lengths;
  const { slots, tfs } = p.postings;
  let count = 0;
  let open = true;
  let checks = 0;
  let maxSeen = 0;
  /** Once closed: the k-th best partial score among the survivors (a lower bound on the final one). */
  let kth = 0;
  for (let j = 0; j < terms.length; j++) {
    // Only worth a pass over the seen slots once the bound could possibly hold.
    if (open && count >= k && rest[j]! < maxSeen && checks < MAX_BOUND_CHECKS) {
      checks += 1;
      count = accepted(seen, count, scores, accept);
      const best = kthBest(seen, count, scores, k);
      if (best > rest[j]!) {
        open = false;
        kth = best;
      }
    }
    const { term, start, n, weight, dense } = terms[j]!;
    if (!open) {
      count = prune(seen, count, scores, kth * (1 - BOUND_SLACK) - rest[j]!);
      kth = Math.max(kth, kthBest(seen, count, scores, k));
    }
    if (!open && dense && count < n) {
      // a few survivors and a dense list: look their tf up instead of walking the list
      for (let c = 0; c < count; c++) {
        const slot = seen[c]!;
        let tf = slot < dense.length ? dense[slot]! : 0;
        if (tf === 0) continue;
        if (tf === TF_SATURATED) tf = p.exactTf(slot, term);
        scores[slot] = scores[slot]! + (weight * tf) / (tf + base + perToken * lengths[slot]!);
      }
      continue;
    }
    for (let i = start; i < start + n; i++) {
      const slot = slots[i]!;
      const known = scores[slot] !== 0;
      if (!known && !open) continue;
      let tf = tfs[i]!;
      if (tf === TF_SATURATED) tf = p.exactTf(slot, term);
      if (!known) seen[count++] = slot;
      const score = scores[slot]! + (weight * tf) / (tf + base + perToken * lengths[slot]!);
      scores[slot] = score;
      if (score > maxSeen) maxSeen = score;
    }
  }
  const top = new TopK(k, p.ids);
  for (let c = 0; c < count; c++) {
    const slot = seen[c]!;
    const score = scores[slot]!;
    scores[slot] = 0;
    // once closed, every seen slot left has passed `accept`
    if (!open || accept(slot)) top.offer(slot, Math.max(score, 1e-9));
  }
  return top.result();
}

/** Keeps the accepted slots among the first `count` seen, zeroing the others' scores; returns the new count. */
function accepted(
  seen: Int32Array,
  count: number,
  scores: Float64Array,
  accept: (slot: number) => boolean,
): number {
  let kept = 0;
  for (let c = 0; c < count; c++) {
    const slot = seen[c]!;
    if (accept(slot)) seen[kept++] = slot;
    else scores[slot] = 0;
  }
  return kept;
}

/**
 * Drops the seen slots whose partial score is below `floor` (the k-th best partial score
 * less the remaining terms' bounds, with slack): they cannot reach the top k. Their scores
 * are zeroed (the scratch's "not seen"); returns the new count.
 */
function prune(seen: Int32Array, count: number, scores: Float64Array, floor: number): number {
  let kept = 0;
  for (let c = 0; c < count; c++) {
    const slot = seen[c]!;
    if (scores[slot]! >= floor) seen[kept++] = slot;
    else scores[slot] = 0;
  }
  return kept;
}

/** The k-th highest partial score among the first `count` seen slots (0 when fewer than k). */
function kthBest(seen: Int32Array, count: number, scores: Float64Array, k: number): number {
  const best = new Float64Array(k);
  let filled = 0;
  for (let c = 0; c < count; c++) {
    const score = scores[seen[c]!]!;
    if (filled === k && score <= best[k - 1]!) continue;
    let at = filled < k ? filled++ : k - 1;
    while (at > 0 && best[at - 1]! < score) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = score;
  }
  return filled < k ? 0 : best[k - 1]!;
}
