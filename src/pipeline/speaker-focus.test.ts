import { describe, expect, it } from 'vitest';
import type { Memory, SearchResult } from '../types.ts';
import { focusSpeakers, namedSpeakers, OTHER_SPEAKER, speakerOf } from './speaker-focus.ts';

function result(
  id: string,
  content: string,
  score: number,
  metadata: Record<string, unknown> = {},
): SearchResult {
  const memory = {
    id,
    layer: 'episodic',
    content,
    metadata: { kind: 'message', ...metadata },
  } as unknown as Memory;
  return { memory, score, signals: {} };
}

describe('speaker focus', () => {
  it('reads the speaker from metadata or the message prefix, never a role label', () => {
    expect(speakerOf(result('a', 'Audrey: pets are family', 1))).toBe('Audrey');
    expect(speakerOf(result('b', 'x', 1, { speaker: 'Andrew' }))).toBe('Andrew');
    expect(speakerOf(result('c', 'User: hello there', 1))).toBeNull();
    expect(speakerOf(result('d', 'Assistant: hi', 1))).toBeNull();
  });

  it('matches whole names only, case-sensitive', () => {
    expect([...namedSpeakers("What is Audrey's dog called?", ['Audrey', 'Andrew'])]).toEqual(['Audrey']);
    expect([...namedSpeakers('Where did Andrewson go?', ['Andrew'])]).toEqual([]);
    expect([...namedSpeakers('will it rain', ['Will'])]).toEqual([]);
  });

  it('damps what the other speaker said when the query names one speaker', () => {
    const ranked = [
      result('andrew', 'Andrew: Audrey, your pets look like family!', 1),
      result('audrey', 'Audrey: Yep, pets are family.', 0.8),
      result('fact', 'Audrey has two dogs', 0.7, { kind: 'fact' }),
    ];
    const out = focusSpeakers(ranked, 'What does Audrey view her pets as?');
    expect(out.map((r) => r.memory.id)).toEqual(['audrey', 'fact', 'andrew']);
    expect(out[2]?.score).toBeCloseTo(OTHER_SPEAKER);
  });

  it('leaves the ranking alone when the query names no speaker or every speaker', () => {
    const ranked = [result('andrew', 'Andrew: a', 1), result('audrey', 'Audrey: b', 0.8)];
    expect(focusSpeakers(ranked, 'What about pets?').map((r) => r.memory.id)).toEqual(['andrew', 'audrey']);
    expect(focusSpeakers(ranked, 'Do Audrey and Andrew like pets?').map((r) => r.score)).toEqual([1, 0.8]);
  });
});
