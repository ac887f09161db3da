import { describe, expect, it } from 'vitest';
import { fuse, normalizedScoreFusion, reciprocalRankFusion } from './fusion.ts';

const vector = {
  name: 'vector',
  weight: 0.5,
  items: [
    { id: 'a', score: 0.9 },
    { id: 'b', score: 0.8 },
    { id: 'c', score: 0.1 },
  ],
};
const keyword = {
  name: 'keyword',
  weight: 0.5,
  items: [
    { id: 'c', score: 12 },
    { id: 'b', score: 6 },
  ],
};

describe('reciprocalRankFusion', () => {
  it('follows score = Σ w / (k + rank)', () => {
    const fused = reciprocalRankFusion([vector, keyword], 60);
    const b = fused.find((f) => f.id === 'b');
    expect(b?.score).toBeCloseTo(0.5 / 62 + 0.5 / 62, 12);
    const a = fused.find((f) => f.id === 'a');
    expect(a?.score).toBeCloseTo(0.5 / 61, 12);
    expect(fused.map((f) => f.id)).toEqual(['c', 'b', 'a']);
  });

  it('reports raw scores and ranks per signal', () => {
    const c = reciprocalRankFusion([vector, keyword]).find((f) => f.id === 'c');
    expect(c?.signals).toEqual({ vector: 0.1, vectorRank: 3, keyword: 12, keywordRank: 1 });
  });

  it('weights lists: weight 0 ignores a list, ties keep first-list order', () => {
    const fused = reciprocalRankFusion([
      { ...vector, weight: 1 },
      { ...keyword, weight: 0 },
    ]);
    expect(fused.map((f) => f.id)).toEqual(['a', 'b', 'c']);
  });

  it('counts a duplicated id once and rejects k <= 0', () => {
    const fused = reciprocalRankFusion(
      [
        {
          name: 'v',
          weight: 1,
          items: [
            { id: 'x', score: 1 },
            { id: 'x', score: 0.5 },
          ],
        },
      ],
      1,
    );
    expect(fused).toEqual([{ id: 'x', score: 0.5, signals: { v: 1, vRank: 1 } }]);
    expect(() => reciprocalRankFusion([vector], 0)).toThrow(RangeError);
  });

  it('returns nothing for empty lists', () => {
    expect(reciprocalRankFusion([])).toEqual([]);
    expect(reciprocalRankFusion([{ name: 'v', weight: 1, items: [] }])).toEqual([]);
  });
});

describe('normalizedScoreFusion', () => {
  it('follows score = Σ w · s / max(s)', () => {
    const fused = normalizedScoreFusion([vector, keyword]);
    const byId = Object.fromEntries(fused.map((f) => [f.id, f.score]));
    expect(byId.a).toBeCloseTo(0.5 * (0.9 / 0.9), 12);
    expect(byId.b).toBeCloseTo(0.5 * (0.8 / 0.9) + 0.5 * (6 / 12), 12);
    expect(byId.c).toBeCloseTo(0.5 * (0.1 / 0.9) + 0.5, 12);
    expect(fused[0]?.id).toBe('b');
  });

  it('clips negative cosine to zero', () => {
    const fused = normalizedScoreFusion([
      {
        name: 'v',
        weight: 1,
        items: [
          { id: 'x', score: 0.5 },
          { id: 'y', score: -0.3 },
        ],
      },
    ]);
    expect(fused.find((f) => f.id === 'y')?.score).toBe(0);
  });

  it('is selected by fuse({method: "score"})', () => {
    expect(fuse([vector, keyword], { method: 'score' })[0]?.id).toBe('b');
    expect(fuse([vector, keyword])[0]?.id).toBe('c');
  });
});
