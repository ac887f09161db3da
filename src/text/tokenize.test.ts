import { describe, expect, it } from 'vitest';
import { stem, tokenize, words } from './tokenize.ts';

describe('tokenize', () => {
  it('normalizes (NFKC, lowercase), drops stop words and stems', () => {
    expect(tokenize('I love hiking in the Alps')).toEqual(['lov', 'hik', 'alp']);
    expect(tokenize('ＨＩＫＥＳ, hiked; HIKING!')).toEqual(['hik', 'hik', 'hik']);
    expect(tokenize("Don't stop")).toEqual(['stop']);
  });

  it('keeps non-Latin words whole', () => {
    expect(tokenize('東京 Müller שלום')).toEqual(['東京', 'müller', 'שלום']);
  });

  it('stems conservatively', () => {
    expect(stem('running')).toBe('run');
    expect(stem('cities')).toBe('city');
    expect(stem('mountains')).toBe('mountain');
    expect(stem('bus')).toBe('bus');
    expect(stem('analysis')).toBe('analysis');
    expect(stem('2024')).toBe('2024');
  });

  it('splits on symbols and keeps inner apostrophes out', () => {
    expect(words("co-op's (x)")).toEqual(['co', 'ops', 'x']);
  });
});
