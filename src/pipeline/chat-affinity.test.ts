import { describe, expect, it } from 'vitest';
import type { Memory, SearchResult } from '../types.ts';
import { AFFINITY, boostChatAffinity } from './chat-affinity.ts';

function result(id: string, chatId: string | undefined, score: number): SearchResult {
  const memory = { id, layer: 'episodic', content: id, metadata: chatId ? { chatId } : {}, sources: [] };
  return { memory: memory as unknown as Memory, score, signals: {} };
}

describe('boostChatAffinity', () => {
  it("boosts every memory of a chat by how many top hits share it, so a topical chat's next hit overtakes a lone one", () => {
    const ranked = [
      result('a1', 'A', 1),
      result('a2', 'A', 0.9),
      result('b1', 'B', 0.85),
      result('a3', 'A', 0.8),
      result('none', undefined, 0.84),
    ];
    const out = boostChatAffinity(ranked);
    expect(out.map((r) => r.memory.id)).toEqual(['a1', 'a2', 'a3', 'b1', 'none']);
    expect(out[0]?.score).toBeCloseTo(AFFINITY ** 3);
    expect(out.find((r) => r.memory.id === 'b1')?.score).toBeCloseTo(0.85 * AFFINITY);
    expect(out.find((r) => r.memory.id === 'none')?.score).toBe(0.84);
  });

  it('keeps the order when every hit comes from its own chat', () => {
    const ranked = [result('x', 'X', 1), result('y', 'Y', 0.99), result('z', 'Z', 0.5)];
    expect(boostChatAffinity(ranked).map((r) => r.memory.id)).toEqual(['x', 'y', 'z']);
  });
});
