import { describe, expect, it } from 'vitest';
import type { Memory, SearchResult } from '../types.ts';
import { diversify } from './diversify.ts';

function hit(id: string, content: string, score: number): SearchResult {
  return { memory: { id, content } as Memory, score, signals: {} };
}

describe('diversify', () => {
  const ranked = [
    hit('a', 'Melanie: I signed up for a pottery class yesterday, clay is fun', 1),
    hit('b', 'Melanie: the pottery class was fun, we made clay bowls', 0.95),
    hit('c', 'Melanie: pottery class again, clay everywhere', 0.9),
    hit('d', 'Melanie: we went camping in the mountains with the kids', 0.8),
  ];

  it('moves a memory on a new topic ahead of ones that repeat the chosen ones', () => {
    const ids = diversify(ranked, 'What activities does Melanie do?', 0.4).map((r) => r.memory.id);
    expect(ids[0]).toBe('a');
    expect(ids.indexOf('d')).toBeLessThan(ids.indexOf('c'));
    expect(new Set(ids)).toEqual(new Set(['a', 'b', 'c', 'd']));
  });

  it('keeps the plain ranking with no penalty, and ignores the words of the query', () => {
    expect(diversify(ranked, 'x', 0).map((r) => r.memory.id)).toEqual(['a', 'b', 'c', 'd']);
    // Every hit shares "pottery class clay" with the query: that is no redundancy.
    const ids = diversify(ranked, 'pottery class clay fun', 0.4).map((r) => r.memory.id);
    expect(ids.slice(0, 2)).toEqual(['a', 'b']);
  });
});
