/**
 * LoCoMo for a peer memory system (mem0) under the same protocol as Strata's run: one user
 * per conversation, every dialogue turn added as one memory (speaker-prefixed text, the
 * same content Strata ingests) tagged with its turn id, every question a top-k search,
 * hits mapped back to turns and scored by the same metric.
 */
import type { LocomoConversation } from './dataset.ts';
import { expandToTurns, type QuestionScore, type RecallSummary, scoreQuestion, summarize } from './metric.ts';

export interface TurnStorePeer {
  add(userId: string, text: string, metadata: Record<string, unknown>): Promise<void>;
  search(userId: string, query: string, k: number): Promise<Array<{ metadata: Record<string, unknown> }>>;
}

export interface PeerRunReport extends RecallSummary {
  timings: { addMsPerTurn: number; searchMsPerQuestion: number };
}

export async function runLocomoPeer(
  conversations: readonly LocomoConversation[],
  openPeer: (conv: LocomoConversation) => Promise<TurnStorePeer>,
  options: { depth?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<PeerRunReport> {
  const depth = options.depth ?? 50;
  const scores: QuestionScore[] = [];
  const total = conversations.reduce((acc, c) => acc + c.turns.length + c.questions.length, 0);
  let done = 0;
  let addMs = 0;
  let searchMs = 0;
  let turns = 0;
  for (const conv of conversations) {
    const userId = `locomo-${conv.id}`;
    const peer = await openPeer(conv);
    const t0 = performance.now();
    for (const turn of conv.turns) {
      await peer.add(userId, `${turn.speaker}: ${turn.text}`, { dia_id: turn.diaId });
      done += 1;
      options.onProgress?.(done, total);
    }
    addMs += performance.now() - t0;
    turns += conv.turns.length;
    for (const q of conv.questions) {
      done += 1;
      options.onProgress?.(done, total);
      if (q.evidence.length === 0) continue;
      const t1 = performance.now();
      const hits = await peer.search(userId, q.question, depth);
      searchMs += performance.now() - t1;
      const ranked = expandToTurns(
        hits.map((h) => ({ turnIds: typeof h.metadata.dia_id === 'string' ? [h.metadata.dia_id] : [] })),
        20,
      );
      scores.push(scoreQuestion(ranked, q.evidence, q.category));
    }
  }
  const summary = summarize(scores);
  return {
    ...summary,
    timings: {
      addMsPerTurn: Math.round((addMs / Math.max(1, turns)) * 100) / 100,
      searchMsPerQuestion: Math.round((searchMs / Math.max(1, summary.questions)) * 100) / 100,
    },
  };
}
