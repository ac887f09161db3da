/**
 * The LoCoMo retrieval metric of SPEC §9, pure so it is tested without a store: evidence
 * id normalization (the published file has "D:11:26", "D8:6; D9:17", a bare "D"),
 * expansion of ranked memories into their source turns (deduplicated, in rank order),
 * recall@k per question, and the overall / per-category averages that `strata eval
 * locomo` prints.
 */

export const RECALL_KS = [1, 5, 10, 20] as const;

export const CATEGORY_NAMES: Record<number, string> = {
  1: 'multi-hop',
  2: 'temporal',
  3: 'open-domain',
  4: 'single-hop',
};

/**
 * One raw evidence string → zero or more `D<session>:<turn>` ids. Accepts lists joined by
 * `;` `,` or whitespace, any case, stray colons ("D:11:26"), leading zeros ("D01:003")
 * and drops fragments without both numbers ("D", "D10:").
 */
export function normalizeEvidence(raw: string): string[] {
  const out: string[] = [];
  for (const part of raw.split(/[;,]|\s+(?=d)/i)) {
    const match = /^\s*d\s*:?\s*(\d+)\s*:\s*(\d+)\s*$/i.exec(part);
    if (match) out.push(`D${Number(match[1])}:${Number(match[2])}`);
  }
  return out;
}

/** A ranked hit as the metric sees it: the turn ids a memory came from. */
export interface RankedSources {
  turnIds: readonly string[];
}

/** Expands ranked memories into their source turns, first occurrence wins, rank order kept. */
export function expandToTurns(ranked: readonly RankedSources[], limit = Number.POSITIVE_INFINITY): string[] {
  const seen = new Set<string>();
  const turns: string[] = [];
  for (const hit of ranked) {
    for (const id of hit.turnIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      turns.push(id);
      if (turns.length >= limit) return turns;
    }
  }
  return turns;
}

/** Share of the evidence turns found among the first k ranked turns (0..1). */
export function recallAtK(rankedTurns: readonly string[], evidence: readonly string[], k: number): number {
  if (evidence.length === 0) return 0;
  const top = new Set(rankedTurns.slice(0, k));
  let found = 0;
  for (const id of new Set(evidence)) if (top.has(id)) found += 1;
  return found / new Set(evidence).size;
}

export interface QuestionScore {
  category: number;
  recall: Record<number, number>;
}

export function scoreQuestion(
  rankedTurns: readonly string[],
  evidence: readonly string[],
  category: number,
  ks: readonly number[] = RECALL_KS,
): QuestionScore {
  const recall: Record<number, number> = {};
  for (const k of ks) recall[k] = recallAtK(rankedTurns, evidence, k);
  return { category, recall };
}

export interface RecallSummary {
  questions: number;
  /** recall@k in percent, one decimal. */
  overall: Record<string, number>;
  byCategory: Record<string, { questions: number; recall: Record<string, number> }>;
}

function meanPercent(scores: readonly QuestionScore[], k: number): number {
  if (scores.length === 0) return 0;
  const sum = scores.reduce((acc, s) => acc + (s.recall[k] ?? 0), 0);
  return Math.round((sum / scores.length) * 1000) / 10;
}

function recallRow(scores: readonly QuestionScore[], ks: readonly number[]): Record<string, number> {
  const row: Record<string, number> = {};
  for (const k of ks) row[`R@${k}`] = meanPercent(scores, k);
  return row;
}

/** Averages question scores overall and per category (named: multi-hop, temporal, ...). */
export function summarize(
  scores: readonly QuestionScore[],
  ks: readonly number[] = RECALL_KS,
): RecallSummary {
  const byCategory: RecallSummary['byCategory'] = {};
  const categories = [...new Set(scores.map((s) => s.category))].sort((a, b) => a - b);
  for (const category of categories) {
    const subset = scores.filter((s) => s.category === category);
    byCategory[CATEGORY_NAMES[category] ?? `category-${category}`] = {
      questions: subset.length,
      recall: recallRow(subset, ks),
    };
  }
  return { questions: scores.length, overall: recallRow(scores, ks), byCategory };
}
