/**
 * Session lift at recall (pure): a session summary (pipeline/session-summaries.ts) that
 * ranks among the top hits says the query is about that session as a whole, so the
 * candidates of that session (same chat, between the summary's first and last turn) get
 * a boost of up to ×LIFT, scaled by how the summary ranks against the best hit. It is the
 * pooled signal of the session's entities and salient sentences added to turn isolation:
 * the turn's own score still decides most of the order.
 */
import { OVERVIEW } from '../layers/symbolic/index.ts';
import type { QueryContext } from '../layers/types.ts';
import { WHEN_QUESTION } from '../text/query-kind.ts';
import type { Memory, SearchResult } from '../types.ts';

export const LIFT = 1.15;
export const TOP_SUMMARIES = 10;

interface Span {
  chat: string;
  from: string;
  to: string;
  weight: number;
}

function spanOf(result: SearchResult, best: number): Span | null {
  const m = result.memory.metadata;
  if (m.kind !== 'session-summary' || typeof m.chatId !== 'string') return null;
  if (typeof m.from !== 'string' || typeof m.to !== 'string') return null;
  return { chat: m.chatId, from: m.from, to: m.to, weight: best > 0 ? result.score / best : 0 };
}

/** `ranked` (best first) with the members of top-ranked summarized sessions lifted; re-sorted. */
export function liftSummarizedSessions(ranked: readonly SearchResult[], factor = LIFT): SearchResult[] {
  const best = ranked[0]?.score ?? 0;
  const spans = ranked
    .slice(0, TOP_SUMMARIES)
    .map((r) => spanOf(r, best))
    .filter((s): s is Span => s !== null);
  if (spans.length === 0 || factor === 1) return [...ranked];
  return ranked
    .map((r) => {
      const chat = r.memory.metadata.chatId;
      if (r.memory.layer === 'symbolic' || typeof chat !== 'string') return r;
      const at = r.memory.createdAt;
      let weight = 0;
      for (const s of spans) {
        if (s.chat === chat && at >= s.from && at <= s.to) weight = Math.max(weight, s.weight);
      }
      if (weight === 0) return r;
      const lift = 1 + (factor - 1) * Math.min(1, weight);
      return { ...r, score: r.score * lift, signals: { ...r.signals, session: lift } };
    })
    .sort((a, b) => b.score - a.score);
}

/** The lift for this query: none for "when" questions and time windows (the date is in the event, not the session). */
export function sessionLiftFactor(query: Pick<QueryContext, 'text' | 'window'>, configured: number): number {
  return query.window || WHEN_QUESTION.test(query.text) ? 1 : configured;
}

/**
 * Whether a memory may be a line of this recall's block: a session summary only for an
 * overview question ("what do we usually talk about?"). With layers.sessionSummaries
 * recallUse 'always' it still ranks (and lifts its session) for other questions; on
 * LoCoMo dev its line in those blocks cost answer-in-block 0.2 to 0.4 points
 * (docs/layers.md): the lines it displaced said more.
 */
export function blockLine(memory: Memory, text: string): boolean {
  return memory.metadata.kind !== 'session-summary' || OVERVIEW.test(text);
}

/** The top `k` of `ranked` that may be block lines (a summary kept out leaves its slot to the next memory). */
export function blockCandidates(ranked: readonly SearchResult[], text: string, k: number): SearchResult[] {
  return ranked.filter((r) => blockLine(r.memory, text)).slice(0, k);
}
