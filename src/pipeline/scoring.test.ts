import { describe, expect, it } from 'vitest';
import { ScoringConfigSchema } from '../config/schema.ts';
import { recencyFactor, reinforcementFactor, scoreMemory } from './scoring.ts';

const scoring = ScoringConfigSchema.parse({});
const now = new Date('2026-11-25T00:00:00Z');
const mem = (over: Partial<Parameters<typeof scoreMemory>[0]> = {}) => ({
  createdAt: '2026-11-25T00:00:00Z',
  lastAccessedAt: null,
  strength: 1,
  importance: 0.5,
  accessCount: 0,
  ...over,
});

describe('scoreMemory', () => {
  it('halves recency after one half-life, slower with more strength', () => {
    const old = mem({ createdAt: '2026-10-26T00:00:00Z' });
    expect(recencyFactor(old, now, 30)).toBeCloseTo(0.5, 5);
    expect(recencyFactor({ ...old, strength: 2 }, now, 30)).toBeCloseTo(2 ** -0.5, 5);
    expect(recencyFactor({ ...old, lastAccessedAt: '2026-11-25T00:00:00Z' }, now, 30)).toBe(1);
  });

  it('orders by relevance first, then recency, importance and reinforcement', () => {
    const base = scoreMemory(mem(), 0.8, now, scoring).score;
    expect(scoreMemory(mem(), 0.9, now, scoring).score).toBeGreaterThan(base);
    expect(scoreMemory(mem({ createdAt: '2025-01-01T00:00:00Z' }), 0.8, now, scoring).score).toBeLessThan(
      base,
    );
    expect(scoreMemory(mem({ importance: 0.9 }), 0.8, now, scoring).score).toBeGreaterThan(base);
    expect(scoreMemory(mem({ accessCount: 10 }), 0.8, now, scoring).score).toBeGreaterThan(base);
    expect(scoreMemory(mem(), 0.8, now, scoring, 2).score).toBeCloseTo(base * 2, 10);
  });

  it('matches the documented formula exactly', () => {
    const m = mem({ createdAt: '2026-10-26T00:00:00Z', importance: 0.2, accessCount: 5 });
    const expected =
      0.6 ** 1 * (1 - 0.15 + 0.15 * 0.5) * (1 - 0.15 + 0.15 * 0.2) * (1 + 0.05 * reinforcementFactor(5));
    expect(scoreMemory(m, 0.6, now, scoring).score).toBeCloseTo(expected, 10);
  });

  it('decay never zeroes a relevant memory', () => {
    expect(scoreMemory(mem({ createdAt: '1990-01-01T00:00:00Z' }), 1, now, scoring).score).toBeGreaterThan(
      0.7,
    );
  });
});
