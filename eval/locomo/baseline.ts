/**
 * Runs the BM25-over-turns baseline through the same metric as Strata's run, so the two
 * numbers differ only in retrieval. Each turn is one document (speaker name and caption
 * included, as ingested); a question's ranking is the BM25 order of all turns.
 */
import { type Bm25Options, buildBm25 } from './bm25.ts';
import type { LocomoConversation } from './dataset.ts';
import { type QuestionScore, type RecallSummary, scoreQuestion, summarize } from './metric.ts';

export interface BaselineOptions extends Bm25Options {
  /** Prefix each turn with its speaker's name (default true). */
  speakerPrefix?: boolean;
}

export function runBm25Baseline(
  conversations: readonly LocomoConversation[],
  options: BaselineOptions = {},
): RecallSummary {
  const scores: QuestionScore[] = [];
  for (const conv of conversations) {
    const docs = conv.turns.map((t) =>
      options.speakerPrefix === false ? t.text : `${t.speaker}: ${t.text}`,
    );
    const index = buildBm25(docs, options);
    for (const q of conv.questions) {
      if (q.evidence.length === 0) continue;
      const ranked = index.rank(q.question).map((i) => conv.turns[i]!.diaId);
      scores.push(scoreQuestion(ranked, q.evidence, q.category));
    }
  }
  return summarize(scores);
}
