/**
 * Turn-level ranking with local context (pure): an episodic exchange memory (a pair, or a
 * bridge: the reply before a user message plus that message) scores two neighbouring
 * messages together, which finds turns whose meaning lives partly in the other side
 * ("What did you do?" / "Went hiking."). But a single message is the precise source, so
 * each message memory takes the score of its best-ranked exchange when that is higher,
 * ordered within the exchange by its own score. An exchange whose messages are all among
 * the candidates has then handed its score on and is removed, so later re-ranking of the
 * messages (speaker focus) is not undone by the exchange itself; exchanges with a message
 * missing from the candidates stay as they are (they bring the neighbour).
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
  const messages = new Set<string>();
  for (const r of ranked) {
    if (isEpisodic(r, 'message')) for (const id of messageIds(r)) messages.add(id);
    if (!isEpisodic(r, 'exchange')) continue;
    for (const id of messageIds(r)) pairScore.set(id, Math.max(pairScore.get(id) ?? 0, r.score));
  }
  const lifted: SearchResult[] = [];
  for (const r of ranked) {
    if (isEpisodic(r, 'exchange')) {
      const ids = messageIds(r);
      if (ids.length === 0 || !ids.every((id) => messages.has(id))) lifted.push(r);
      continue;
    }
    if (!isEpisodic(r, 'message')) {
      lifted.push(r);
      continue;
    }
    const [id] = messageIds(r);
    const pair = id === undefined ? undefined : pairScore.get(id);
    if (pair === undefined || pair <= r.score) lifted.push(r);
    else lifted.push({ ...r, score: pair + OWN * r.score, signals: { ...r.signals, pair } });
  }
  return lifted.sort((a, b) => b.score - a.score);
}
