/**
 * Turn-level ranking with local context (pure): an episodic exchange (pair) memory scores
 * two neighbouring messages together, which finds turns whose meaning lives partly in the
 * other side ("What did you do?" / "Went hiking."). But a single message is the precise
 * source, so each message memory takes the score of its best-ranked pair when that is
 * higher, ordered within the pair by its own score; the pair then adds nothing new and
 * dedupe drops it. Pairs whose messages are not among the candidates stay as they are.
 */
import type { SearchResult } from '../types.ts';

/** Tie-break weight of a message's own score among messages lifted to the same pair. */
const OWN = 1e-6;

function messageIds(result: SearchResult): string[] {
  const ids = result.memory.metadata.messageIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string') : [];
}

function isEpisodic(result: SearchResult, kind: string): boolean {
  return result.memory.layer === 'episodic' && result.memory.metadata.kind === kind;
}

/** `ranked` (sorted, best first) with message memories lifted to their pair's score; re-sorted. */
export function liftPairMembers(ranked: readonly SearchResult[]): SearchResult[] {
  const pairScore = new Map<string, number>();
  for (const r of ranked) {
    if (!isEpisodic(r, 'exchange')) continue;
    for (const id of messageIds(r)) pairScore.set(id, Math.max(pairScore.get(id) ?? 0, r.score));
  }
  const lifted = ranked.map((r) => {
    if (!isEpisodic(r, 'message')) return r;
    const [id] = messageIds(r);
    const pair = id === undefined ? undefined : pairScore.get(id);
    if (pair === undefined || pair <= r.score) return r;
    return { ...r, score: pair + OWN * r.score, signals: { ...r.signals, pair } };
  });
  return lifted.sort((a, b) => b.score - a.score);
}
