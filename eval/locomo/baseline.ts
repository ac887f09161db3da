/**
 * Runs the BM25-over-turns baseline through the same metric as Strata's run, so the two
 * numbers differ only in retrieval. Each turn is one document (speaker name and caption
 * included, as ingested); a question's ranking is the BM25 order of all turns. For the
 * answer-in-block metric the same ranking, each turn prefixed with its session date, fills
 * a block of the same length as Strata's.
 */
import { CLOSE_TAG, INSTRUCTION, OPEN_TAG } from '../../src/pipeline/format.ts';
import { type AnswerInBlockSummary, type AnswerScore, scoreAnswer, summarizeAnswers } from './answer.ts';
import { type Bm25Index, type Bm25Options, buildBm25 } from './bm25.ts';
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

/** Characters a block of `maxTokens` leaves for lines once the frame is paid (format.ts's estimate). */
export function blockCharBudget(maxTokens: number): number {
  const frame = `${OPEN_TAG}\n${INSTRUCTION}\n${CLOSE_TAG}`.length + 4;
  return Math.max(0, maxTokens * 4 - frame);
}

/**
 * The dated-BM25 block: the turns in BM25 order, each as `- [YYYY-MM-DD] Speaker: text`
 * (its session date), added while they fit in `chars`, as Strata's block is filled.
 */
export function datedBm25Block(
  conv: LocomoConversation,
  index: Bm25Index,
  question: string,
  chars: number,
): string {
  const lines: string[] = [];
  let used = 0;
  for (const i of index.rank(question)) {
    const turn = conv.turns[i]!;
    const line = `- [${turn.at.slice(0, 10)}] ${turn.speaker}: ${turn.text}`;
    if (used + line.length + 1 > chars) continue;
    lines.push(line);
    used += line.length + 1;
  }
  return lines.join('\n');
}

/** Answer-in-block of the dated-BM25 same-length baseline, scored like Strata's block. */
export function runDatedBm25AnswerBaseline(
  conversations: readonly LocomoConversation[],
  maxTokens: number,
): AnswerInBlockSummary {
  const scores: AnswerScore[] = [];
  const chars = blockCharBudget(maxTokens);
  for (const conv of conversations) {
    const index = buildBm25(conv.turns.map((t) => `${t.speaker}: ${t.text}`));
    for (const q of conv.questions) {
      if (q.evidence.length === 0 || q.answer === undefined) continue;
      const score = scoreAnswer(datedBm25Block(conv, index, q.question, chars), q.answer, q.category);
      if (score) scores.push(score);
    }
  }
  return summarizeAnswers(scores);
}
