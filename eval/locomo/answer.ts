/**
 * The answer-in-block metric (issue 13): does the context block a chat would actually get
 * hold the gold answer? Pure, so it is tested without a store. A gold answer's content
 * words are its lowercase alphanumeric tokens with the NLTK stop words dropped, possessive
 * "'s" and ordinal suffixes removed ("18th" → "18"). The block's words are tokenized the
 * same way, and an ISO date in the block (2023-05-07) also counts as its day ("7"), month
 * name ("may") and year ("2023"). A question scores the share of its answer words present;
 * it is "full" when all are. Answers with no content word ("no") are left out.
 */
import { STOP_WORDS } from './bm25.ts';
import { MONTHS as MONTH_NAMES } from './dataset.ts';
import { CATEGORY_NAMES } from './metric.ts';

function tokens(text: string): string[] {
  const plain = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
  return (plain.match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? []).map((t) =>
    t.replace(/'s$/, '').replace(/^(\d+)(?:st|nd|rd|th)$/, '$1'),
  );
}

/** The gold answer's content words, deduplicated, in order. */
export function answerWords(answer: string): string[] {
  return [...new Set(tokens(answer).filter((t) => t.length > 0 && !STOP_WORDS.has(t)))];
}

/** Every word of the block, ISO dates also as day number, month name and year. */
export function blockWords(block: string): Set<string> {
  const words = new Set(tokens(block));
  for (const match of block.matchAll(/\b(\d{4})-(\d{2})-(\d{2})\b/g)) {
    const month = MONTH_NAMES[Number(match[2]) - 1];
    if (!month) continue;
    words.add(match[1]!);
    words.add(month);
    words.add(String(Number(match[3])));
  }
  return words;
}

export interface AnswerScore {
  category: number;
  /** Share of the answer's content words found in the block (0..1). */
  share: number;
  full: boolean;
}

/** Scores one block against one gold answer; null when the answer has no content word. */
export function scoreAnswer(block: string, answer: string, category: number): AnswerScore | null {
  const wanted = answerWords(answer);
  if (wanted.length === 0) return null;
  const present = blockWords(block);
  const found = wanted.filter((w) => present.has(w)).length;
  return { category, share: found / wanted.length, full: found === wanted.length };
}

export interface AnswerRow {
  questions: number;
  /** Percent of questions whose block holds every answer word. */
  full: number;
  /** Mean share of answer words present, in percent. */
  share: number;
}

export interface AnswerInBlockSummary extends AnswerRow {
  byCategory: Record<string, AnswerRow>;
}

function row(scores: readonly AnswerScore[]): AnswerRow {
  const n = scores.length;
  const pct = (x: number) => (n === 0 ? 0 : Math.round((x / n) * 1000) / 10);
  return {
    questions: n,
    full: pct(scores.filter((s) => s.full).length),
    share: pct(scores.reduce((acc, s) => acc + s.share, 0)),
  };
}

export function summarizeAnswers(scores: readonly AnswerScore[]): AnswerInBlockSummary {
  const byCategory: Record<string, AnswerRow> = {};
  for (const category of [...new Set(scores.map((s) => s.category))].sort((a, b) => a - b)) {
    byCategory[CATEGORY_NAMES[category] ?? `category-${category}`] = row(
      scores.filter((s) => s.category === category),
    );
  }
  return { ...row(scores), byCategory };
}
