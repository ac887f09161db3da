import { describe, expect, it } from 'vitest';
import { editDistance, expandTerm, MAX_EXPANSIONS } from './term-expansion.ts';

describe('term expansion', () => {
  it('computes bounded Damerau-Levenshtein distance', () => {
    expect(editDistance('berlin', 'berlim', 2)).toBe(1);
    expect(editDistance('ab', 'ba', 2)).toBe(1);
    expect(editDistance('kitten', 'sitting', 3)).toBe(3);
    expect(editDistance('kitten', 'sitting', 2)).toBe(3);
    expect(editDistance('abc', '', 1)).toBe(2);
    expect(editDistance('a'.repeat(100), `${'a'.repeat(99)}b`, 1)).toBe(1);
  });

  it('expands exact, prefix and fuzzy terms against a vocabulary', () => {
    const vocab = () => ['hik', 'hiker', 'berlin', 'bern', 'photography', 'zzz'];
    expect(expandTerm({ value: 'Hiking' }, vocab)).toEqual(['hik']);
    expect(expandTerm({ value: 'hik', prefix: true }, vocab)).toEqual(['hik', 'hiker']);
    expect(expandTerm({ value: 'berlim', fuzzy: 1 }, vocab)).toEqual(['berlim', 'berlin']);
    expect(expandTerm({ value: 'fotography', fuzzy: 2 }, vocab)).toContain('photography');
    const many = () => Array.from({ length: 500 }, (_, i) => `a${i}`);
    expect(expandTerm({ value: 'a', prefix: true }, many)).toHaveLength(MAX_EXPANSIONS);
  });
});
