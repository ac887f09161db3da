/**
 * The query-tree → Qdrant condition translation and the in-process BM25 scoring, as pure
 * functions: exact parts become must / should / must_not of `match: {text}` on stems,
 * inexact parts (prefix, fuzzy, phrase adjacency) widen the candidates, and scores match
 * BM25's shape (positive, rarer terms weigh more, more occurrences score higher).
 */
import { describe, expect, it } from 'vitest';
import { q } from '../../../test-support/stores/store-fixtures.ts';
import { tokenize } from '../../text/tokenize.ts';
import { bm25, candidateCondition, matchCandidates } from './keyword.ts';

const text = (token: string) => ({ key: 'terms', match: { text: token } });

describe('candidateCondition', () => {
  it('translates terms, OR, AND and NOT into must / should / must_not on stems', () => {
    expect(candidateCondition(q.term('Hiking'))).toEqual({
      kind: 'where',
      condition: text('hik'),
      exact: true,
    });
    expect(candidateCondition(q.or(q.term('cats'), q.term('dogs')))).toEqual({
      kind: 'where',
      condition: { should: [text('cat'), text('dog')] },
      exact: true,
    });
    expect(candidateCondition(q.and(q.term('berlin'), q.not(q.term('visit'))))).toEqual({
      kind: 'where',
      condition: { must: [text('berlin')], must_not: [text('visit')] },
      exact: false,
    });
  });

  it('widens instead of narrowing what Qdrant cannot express exactly', () => {
    expect(candidateCondition(q.prefix('photo'))).toEqual({ kind: 'all' });
    expect(candidateCondition(q.or(q.term('berlin'), q.fuzzy('berlim')))).toEqual({ kind: 'all' });
    // a phrase needs both words (superset); adjacency is checked in process
    expect(candidateCondition(q.phrase('sister', 'lives'))).toEqual({
      kind: 'where',
      condition: { must: [text('sister'), text('liv')] },
      exact: false,
    });
    // an inexact NOT cannot exclude points in Qdrant
    expect(candidateCondition(q.and(q.term('hiking'), q.not(q.prefix('sis'))))).toEqual({
      kind: 'where',
      condition: { must: [text('hik')] },
      exact: false,
    });
    expect(candidateCondition(q.not(q.term('berlin')))).toEqual({ kind: 'none' });
  });

  it('maps tokens through the blind index and disables expansion under encryption', () => {
    const mapping = { token: (stem: string) => `b:${stem}`, exactOnly: true };
    expect(candidateCondition(q.prefix('photo'), mapping)).toEqual({
      kind: 'where',
      condition: text('b:photo'),
      exact: true,
    });
  });
});

describe('matchCandidates + bm25', () => {
  const docs = [
    { id: 'a', tokens: tokenize('My sister lives in Berlin') },
    { id: 'b', tokens: tokenize('Berlin sister visit next month') },
    { id: 'c', tokens: tokenize('hiking, hiking in the Alps with my sister') },
  ];

  it('evaluates phrases, NOT and prefix expansion exactly', () => {
    expect(matchCandidates(q.phrase('sister', 'lives'), docs).map((m) => m.id)).toEqual(['a']);
    expect(matchCandidates(q.and(q.term('sister'), q.not(q.term('berlin'))), docs).map((m) => m.id)).toEqual([
      'c',
    ]);
    expect(matchCandidates(q.prefix('ber'), docs).map((m) => m.id)).toEqual(['a', 'b']);
  });

  it('scores positively, rarer terms higher, repeated terms higher', () => {
    const matches = matchCandidates(q.or(q.term('hiking'), q.term('sister')), docs);
    const scores = new Map(
      bm25(
        matches,
        3,
        new Map([
          ['hik', 1],
          ['sister', 3],
        ]),
        4,
      ).map((s) => [s.id, s.score]),
    );
    expect([...scores.values()].every((score) => score > 0)).toBe(true);
    expect(scores.get('c')!).toBeGreaterThan(scores.get('a')!);
  });
});
