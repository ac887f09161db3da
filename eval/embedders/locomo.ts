/**
 * A minimal LoCoMo reader and BM25 baseline for comparing embedders on turn retrieval:
 * each conversation's turns (image turns: text plus caption), the category 1–4 questions
 * with normalized evidence ids ("D8:6; D9:17" splits, "D:11:26" → "D11:26"). The full
 * evaluation of the product lives in eval/; this one ranks raw turns by one signal at a time.
 */
import { readFileSync } from 'node:fs';
import { STOP_WORDS, words } from '../../src/embedders/text/hashing.ts';

export interface LocomoTurn {
  id: string;
  text: string;
}
export interface LocomoQuestion {
  question: string;
  category: number;
  evidence: Set<string>;
}
export interface LocomoConversation {
  sampleId: string;
  turns: LocomoTurn[];
  questions: LocomoQuestion[];
}

export function normalizeEvidence(raw: string): string[] {
  return raw
    .split(/[;,\s]+/)
    .map((part) => part.replace(/^D:?(\d+):(\d+)$/, 'D$1:$2'))
    .filter((part) => /^D\d+:\d+$/.test(part));
}

export function readLocomo(file: string): LocomoConversation[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as Array<{
    sample_id: string;
    conversation: Record<string, unknown>;
    qa: Array<{ question: string; category: number; evidence?: string[] }>;
  }>;
  return data.map((sample) => {
    const turns: LocomoTurn[] = [];
    for (const [key, value] of Object.entries(sample.conversation)) {
      if (!/^session_\d+$/.test(key) || !Array.isArray(value)) continue;
      for (const turn of value as Array<{ dia_id: string; text: string; blip_caption?: string }>) {
        const caption = turn.blip_caption ? ` [image: ${turn.blip_caption}]` : '';
        turns.push({ id: turn.dia_id, text: `${turn.text}${caption}` });
      }
    }
    const questions = sample.qa
      .filter((q) => q.category >= 1 && q.category <= 4)
      .map((q) => ({
        question: q.question,
        category: q.category,
        evidence: new Set((q.evidence ?? []).flatMap(normalizeEvidence)),
      }))
      .filter((q) => q.evidence.size > 0);
    return { sampleId: sample.sample_id, turns, questions };
  });
}

/** Okapi BM25 over turns with stop words removed (k1 1.2, b 0.75). */
export function bm25Scorer(docs: string[]): (query: string) => number[] {
  const tokenize = (text: string): string[] => words(text).filter((w) => !STOP_WORDS.has(w));
  const tokenized = docs.map(tokenize);
  const avg = tokenized.reduce((sum, d) => sum + d.length, 0) / Math.max(1, tokenized.length);
  const df = new Map<string, number>();
  for (const doc of tokenized) for (const term of new Set(doc)) df.set(term, (df.get(term) ?? 0) + 1);
  const tfs = tokenized.map((doc) => {
    const tf = new Map<string, number>();
    for (const term of doc) tf.set(term, (tf.get(term) ?? 0) + 1);
    return tf;
  });
  return (query) => {
    const terms = [...new Set(tokenize(query))];
    return tfs.map((tf, i) => {
      let score = 0;
      for (const term of terms) {
        const f = tf.get(term);
        if (f === undefined) continue;
        const n = df.get(term) ?? 0;
        const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
        score += (idf * f * 2.2) / (f + 1.2 * (0.25 + (0.75 * (tokenized[i]?.length ?? 0)) / avg));
      }
      return score;
    });
  };
}
