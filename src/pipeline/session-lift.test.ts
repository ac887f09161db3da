import { describe, expect, it } from 'vitest';
import type { Memory, SearchResult } from '../types.ts';
import { blockLine, LIFT, liftSummarizedSessions, sessionLiftFactor } from './session-lift.ts';

function hit(
  id: string,
  score: number,
  layer: Memory['layer'],
  metadata: Record<string, unknown>,
  at: string,
) {
  return {
    memory: { id, layer, metadata, createdAt: at, content: id, sources: [], links: [] } as unknown as Memory,
    score,
    signals: {},
  } satisfies SearchResult;
}

const summary = hit(
  's',
  0.8,
  'symbolic',
  { kind: 'session-summary', chatId: 'c1', from: '2026-05-01T10:00:00.000Z', to: '2026-05-01T11:00:00.000Z' },
  '2026-05-01T11:00:00.000Z',
);

describe('liftSummarizedSessions', () => {
  it('lifts the members of a top-ranked summarized session, scaled by the summary rank, and re-sorts', () => {
    const inside = hit('in', 0.5, 'episodic', { chatId: 'c1' }, '2026-05-01T10:30:00.000Z');
    const otherChat = hit('other', 0.52, 'episodic', { chatId: 'c2' }, '2026-05-01T10:30:00.000Z');
    const later = hit('later', 0.51, 'episodic', { chatId: 'c1' }, '2026-05-02T10:30:00.000Z');
    const top = hit('top', 1, 'episodic', { chatId: 'c9' }, '2026-05-01T10:30:00.000Z');
    const out = liftSummarizedSessions([top, summary, otherChat, later, inside]);
    const lifted = out.find((r) => r.memory.id === 'in');
    expect(lifted?.score).toBeCloseTo(0.5 * (1 + (LIFT - 1) * 0.8));
    expect(lifted?.signals?.session).toBeCloseTo(1 + (LIFT - 1) * 0.8);
    expect(out.map((r) => r.memory.id)).toEqual(['top', 's', 'in', 'other', 'later']);
    expect(out.find((r) => r.memory.id === 'other')?.score).toBe(0.52);
    expect(out.find((r) => r.memory.id === 'later')?.score).toBe(0.51);
  });

  it('changes nothing without a summary, with factor 1, or for "when" questions and time windows', () => {
    const a = hit('a', 1, 'episodic', { chatId: 'c1' }, '2026-05-01T10:30:00.000Z');
    expect(liftSummarizedSessions([a])).toEqual([a]);
    expect(liftSummarizedSessions([summary, a], 1).map((r) => r.score)).toEqual([0.8, 1]);
    expect(sessionLiftFactor({ text: 'When did I start painting?' }, 1.15)).toBe(1);
    const window = { since: '2026-05-01T00:00:00Z', field: 'eventAt' as const, expression: 'May' };
    expect(sessionLiftFactor({ text: 'What did I paint in May?', window }, 1.15)).toBe(1);
    expect(sessionLiftFactor({ text: 'What do I like to paint?' }, 1.15)).toBe(1.15);
  });
});

describe('blockLine', () => {
  it('shows a session summary for overview questions only', () => {
    const fact = hit('f', 1, 'semantic', {}, '2026-05-01T10:30:00.000Z').memory;
    expect(blockLine(summary.memory, 'Where do I live now?')).toBe(false);
    expect(blockLine(summary.memory, 'What do we usually talk about?')).toBe(true);
    expect(blockLine(fact, 'Where do I live now?')).toBe(true);
  });
});
