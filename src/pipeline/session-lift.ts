/**
 * Session lift at recall (pure): a session summary (pipeline/session-summaries.ts) that
 * ranks among the top hits says the query is about that session as a whole, so the
 * candidates of that session (same chat, between the summary's first and last turn) get
 * a boost of up to ×LIFT, scaled by how the summary ranks against the best hit. It is the
 * pooled signal of the session's entities and salient sentences added to turn isolation:
 * the turn's own score still decides most of the order.
 */
import type { SearchResult } from '../types.ts';

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
