import { describe, expect, it } from 'vitest';
import { bestThresholdAccuracy, recallAtK, rocAuc } from './metrics.ts';
import { PARAPHRASE_PAIRS } from './paraphrase-pairs.ts';

describe('embedder eval metrics', () => {
  it('rocAuc is 1 for perfect separation, 0.5 for ties, 0 for inverted', () => {
    expect(rocAuc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0])).toBe(1);
    expect(rocAuc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(rocAuc([0.1, 0.9], [1, 0])).toBe(0);
  });

  it('bestThresholdAccuracy finds the separating threshold', () => {
    expect(bestThresholdAccuracy([0.9, 0.7, 0.3, 0.6], [1, 1, 0, 0])).toEqual({
      accuracy: 1,
      threshold: 0.7,
    });
  });

  it('recallAtK counts relevant ids in the first k', () => {
    expect(recallAtK(['a', 'b', 'c'], new Set(['c', 'z']), 2)).toBe(0);
    expect(recallAtK(['a', 'b', 'c'], new Set(['c', 'z']), 3)).toBe(0.5);
  });

  it('the paraphrase set has at least 60 positive pairs and both kinds of negatives', () => {
    expect(PARAPHRASE_PAIRS.filter((p) => p.label === 1).length).toBeGreaterThanOrEqual(60);
    expect(PARAPHRASE_PAIRS.filter((p) => p.kind === 'related').length).toBeGreaterThanOrEqual(30);
    expect(PARAPHRASE_PAIRS.filter((p) => p.kind === 'unrelated').length).toBeGreaterThanOrEqual(30);
  });
});
