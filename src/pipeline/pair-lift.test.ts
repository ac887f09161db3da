import { describe, expect, it } from 'vitest';
import type { Memory, SearchResult } from '../types.ts';
import { liftPairMembers } from './pair-lift.ts';

function result(
  id: string,
  kind: string,
  messageIds: string[],
  score: number,
  layer = 'episodic',
): SearchResult {
  const memory = { id, layer, metadata: { kind, messageIds } } as unknown as Memory;
  return { memory, score, signals: {} };
}

describe('liftPairMembers', () => {
  it('lifts both messages of a higher-ranked pair above it, ordered by their own score', () => {
    const ranked = [
      result('pair', 'exchange', ['u1', 'a1'], 0.9),
      result('other', 'message', ['u2'], 0.7),
      result('reply', 'message', ['a1'], 0.6),
      result('question', 'message', ['u1'], 0.3),
    ];
    const ids = liftPairMembers(ranked).map((r) => r.memory.id);
    // The pair handed its score to both messages, so it is gone.
    expect(ids).toEqual(['reply', 'question', 'other']);
  });

  it('keeps a pair whose other message is not among the candidates (it brings the neighbour)', () => {
    const ranked = [
      result('pair', 'exchange', ['u1', 'a1'], 0.9),
      result('question', 'message', ['u1'], 0.3),
    ];
    const out = liftPairMembers(ranked);
    expect(out.map((r) => r.memory.id)).toEqual(['question', 'pair']);
    expect(out[0]?.score).toBeCloseTo(0.9);
  });

  it('leaves messages that outrank their pair, other layers and unpaired messages alone', () => {
    const ranked = [
      result('reply', 'message', ['a1'], 0.95),
      result('pair', 'exchange', ['u1', 'a1'], 0.9),
      result('fact', 'fact', ['u1'], 0.5, 'semantic'),
      result('lonely', 'message', ['u9'], 0.4),
    ];
    const out = liftPairMembers(ranked);
    expect(out.map((r) => r.memory.id)).toEqual(['reply', 'pair', 'fact', 'lonely']);
    expect(out[0]?.score).toBe(0.95);
    expect(out[3]?.score).toBe(0.4);
  });
});
