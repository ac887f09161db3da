/**
 * Diversity at recall (pure): the block has room for a dozen lines, and a question whose
 * answer is spread over several conversations ("what activities does she do?") loses to a
 * ranking that spends those lines on one topic said five ways. Maximal marginal relevance
 * re-orders the ranked memories: each next one is the best by score less `penalty` × its
 * word overlap with what is already chosen (stemmed content words; the query's own words
 * and speaker names do not count, since every good hit shares them). Memories drawn from the
 * same message as a dated event and as its episodic line are never each other's redundancy:
 * the block shows such a message once, with its date (format.ts).
 */
import { tokenize } from '../text/tokenize.ts';
import type { SearchResult } from '../types.ts';

function wordsOf(text: string, skip: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const t of tokenize(text)) if (t.length > 2 && !skip.has(t)) out.add(t);
  return out;
}

/** Share of the smaller set's words the two sets have in common. */
function overlap(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let n = 0;
  for (const w of small) if (large.has(w)) n += 1;
  return n / small.size;
}

export function diversify(
  ranked: readonly SearchResult[],
  query: string,
  penalty: number,
  names: Iterable<string> = [],
): SearchResult[] {
  if (penalty <= 0 || ranked.length < 3) return [...ranked];
  const skip = new Set([...tokenize(query), ...[...names].flatMap((n) => tokenize(n))]);
  const said = ranked.map((r) => new Set(r.memory.sources?.map((x) => x.messageId) ?? []));
  const sameMessage = (i: number, j: number) => {
    const layers = new Set([ranked[i]?.memory.layer, ranked[j]?.memory.layer]);
    if (!(layers.has('temporal') && layers.has('episodic'))) return false;
    for (const id of said[i] as Set<string>) if ((said[j] as Set<string>).has(id)) return true;
    return false;
  };
  const bags = ranked.map((r) => wordsOf(r.memory.content.replace(/^[^:\n]{1,40}:\s/gm, ''), skip));
  const top = Math.max(ranked[0]?.score ?? 0, 1e-9);
  const left = new Set(ranked.map((_, i) => i));
  // Each memory's highest overlap with one already chosen, updated as each is chosen.
  const redundancy = new Float64Array(ranked.length);
  const out: SearchResult[] = [];
  while (left.size > 0) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (const i of left) {
      const value = (ranked[i] as SearchResult).score / top - penalty * (redundancy[i] ?? 0);
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    left.delete(best);
    out.push(ranked[best] as SearchResult);
    for (const i of left) {
      if (sameMessage(i, best)) continue;
      const o = overlap(bags[i] as Set<string>, bags[best] as Set<string>);
      if (o > (redundancy[i] ?? 0)) redundancy[i] = o;
    }
  }
  return out;
}
