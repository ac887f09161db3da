/**
 * Extractive thread summaries (pure): sentences are scored by TF-IDF centrality (cosine
 * to the thread's centroid), the top ones are kept in their original order, and the
 * highest-weighted terms become the thread's recurring themes.
 */
import { tokenize } from '../../text/tokenize.ts';
import { sentences } from '../text.ts';

export interface ThreadSummary {
  summary: string;
  themes: string[];
}

/** TF-IDF vectors of tokenized documents (term frequency × log(1 + N / df)). */
export function tfidf(docs: string[][]): Array<Map<string, number>> {
  const df = new Map<string, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  return docs.map((d) => {
    const v = new Map<string, number>();
    for (const t of d) v.set(t, (v.get(t) ?? 0) + 1);
    for (const [t, c] of v) v.set(t, (c / d.length) * Math.log(1 + docs.length / (df.get(t) ?? 1)));
    return v;
  });
}

/** Cosine similarity of two sparse vectors. */
export function cosine(a: Map<string, number>, b: Map<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [t, x] of a) {
    dot += x * (b.get(t) ?? 0);
    na += x * x;
  }
  for (const y of b.values()) nb += y * y;
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}

export function summarizeThread(texts: string[], maxSentences = 3, maxThemes = 5): ThreadSummary {
  const all = texts.flatMap((t) => sentences(t)).filter((s) => tokenize(s).length >= 3);
  if (all.length === 0) return { summary: texts.join(' ').slice(0, 300), themes: [] };
  const docs = all.map((s) => tokenize(s));
  const vectors = tfidf(docs);
  const centroid = new Map<string, number>();
  for (const v of vectors) for (const [t, x] of v) centroid.set(t, (centroid.get(t) ?? 0) + x);
  const ranked = vectors.map((v, i) => ({ i, s: cosine(v, centroid) })).sort((a, b) => b.s - a.s);
  const picked = ranked
    .slice(0, maxSentences)
    .map((r) => r.i)
    .sort((a, b) => a - b);
  const themes = [...centroid.entries()]
    .filter(([t]) => t.length > 3)
    .sort((a, b) => b[1] - a[1])
    .slice(0, maxThemes)
    .map(([t]) => t);
  return { summary: picked.map((i) => all[i]).join(' '), themes };
}
