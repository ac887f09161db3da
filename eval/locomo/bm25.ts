/**
 * The BM25 baseline of SPEC §9 ("BM25 over turns, stop words removed"): an independent,
 * dependency-free Okapi BM25 over the dialogue turns of one conversation. It exists to
 * check the metric against the published reference (R@10 56.7), so it deliberately shares
 * no code with Strata's own keyword search.
 */

// NLTK's English stop word list (the usual choice for this baseline), lower case.
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she ' +
    'her hers herself it its itself they them their theirs themselves what which who whom this that ' +
    'these those am is are was were be been being have has had having do does did doing a an the and ' +
    'but if or because as until while of at by for with about against between into through during ' +
    'before after above below to from up down in out on off over under again further then once here ' +
    'there when where why how all any both each few more most other some such no nor not only own ' +
    'same so than too very s t can will just don should now d ll m o re ve y ain aren couldn didn ' +
    "doesn hadn hasn haven isn ma mightn mustn needn shan shouldn wasn weren won wouldn you're you've " +
    "you'll you'd she's it's that'll don't should've aren't couldn't didn't doesn't hadn't hasn't " +
    "haven't isn't mightn't mustn't needn't shan't shouldn't wasn't weren't won't wouldn't"
  ).split(/\s+/),
);

export function bm25Tokens(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [])
    .map((t) => t.replace(/'s$/, ''))
    .filter((t) => t.length > 0 && !STOP_WORDS.has(t));
}

export interface Bm25Options {
  k1?: number;
  b?: number;
  /** Floor for non-positive idf as a share of the mean idf (rank_bm25's epsilon). */
  epsilon?: number;
}

export interface Bm25Index {
  /** Document indexes sorted by descending score (ties keep document order). */
  rank(query: string): number[];
  score(query: string): number[];
}

export function buildBm25(documents: readonly string[], options: Bm25Options = {}): Bm25Index {
  const k1 = options.k1 ?? 1.5;
  const b = options.b ?? 0.75;
  const epsilon = options.epsilon ?? 0.25;
  const docs = documents.map((d) => {
    const tf = new Map<string, number>();
    const tokens = bm25Tokens(d);
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    return { tf, length: tokens.length };
  });
  const n = docs.length;
  const avgLength = docs.reduce((acc, d) => acc + d.length, 0) / Math.max(1, n);
  const df = new Map<string, number>();
  for (const d of docs) for (const t of d.tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const idf = new Map<string, number>();
  let idfSum = 0;
  const negatives: string[] = [];
  for (const [t, count] of df) {
    const value = Math.log((n - count + 0.5) / (count + 0.5));
    idf.set(t, value);
    idfSum += value;
    if (value < 0) negatives.push(t);
  }
  const floor = (epsilon * idfSum) / Math.max(1, df.size);
  for (const t of negatives) idf.set(t, floor);

  const score = (query: string): number[] => {
    const terms = bm25Tokens(query);
    return docs.map((d) => {
      let s = 0;
      for (const t of terms) {
        const f = d.tf.get(t);
        if (!f) continue;
        s += ((idf.get(t) ?? 0) * (f * (k1 + 1))) / (f + k1 * (1 - b + (b * d.length) / avgLength));
      }
      return s;
    });
  };
  return {
    score,
    rank(query) {
      const scores = score(query);
      return scores.map((_, i) => i).sort((x, y) => scores[y]! - scores[x]! || x - y);
    },
  };
}
