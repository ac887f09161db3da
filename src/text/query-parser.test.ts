import { describe, expect, it } from 'vitest';
import type { QueryNode } from './query-ast.ts';
import { parseKeywordQuery } from './query-parser.ts';

const t = (value: string): QueryNode => ({ type: 'term', value });
const ast = (text: string) => parseKeywordQuery(text).ast;

describe('parseKeywordQuery', () => {
  it('ORs adjacent terms and drops stop words', () => {
    expect(ast('where do I go hiking')).toEqual({ type: 'or', children: [t('go'), t('hiking')] });
    expect(ast('Berlin')).toEqual(t('berlin'));
    expect(ast('the of and')).toBeNull();
    expect(ast('')).toBeNull();
  });

  it('handles AND, OR, NOT with precedence AND over OR', () => {
    expect(ast('a1 b2 AND c3')).toEqual({
      type: 'or',
      children: [t('a1'), { type: 'and', children: [t('b2'), t('c3')] }],
    });
    expect(ast('cats OR dogs')).toEqual({ type: 'or', children: [t('cats'), t('dogs')] });
    expect(ast('cats AND NOT dogs')).toEqual({
      type: 'and',
      children: [t('cats'), { type: 'not', child: t('dogs') }],
    });
    expect(ast('cats NOT dogs')).toEqual({
      type: 'and',
      children: [t('cats'), { type: 'not', child: t('dogs') }],
    });
    expect(ast('cats birds -dogs')).toEqual({
      type: 'and',
      children: [
        { type: 'or', children: [t('cats'), t('birds')] },
        { type: 'not', child: t('dogs') },
      ],
    });
    expect(ast('NOT NOT cats')).toEqual(t('cats'));
  });

  it('keeps lower-case and/or/not as ordinary (stop) words', () => {
    expect(ast('cats and dogs')).toEqual({ type: 'or', children: [t('cats'), t('dogs')] });
  });

  it('parses phrases, prefix and fuzzy terms', () => {
    expect(ast('"New York" trip')).toEqual({
      type: 'or',
      children: [{ type: 'phrase', terms: ['new', 'york'] }, t('trip')],
    });
    expect(ast('“in the Alps”')).toEqual({ type: 'phrase', terms: ['in', 'the', 'alps'] });
    expect(ast('"Berlin"')).toEqual(t('berlin'));
    expect(ast('hik*')).toEqual({ type: 'term', value: 'hik', prefix: true });
    expect(ast('berlim~')).toEqual({ type: 'term', value: 'berlim', fuzzy: 2 });
    expect(ast('cat~')).toEqual({ type: 'term', value: 'cat', fuzzy: 1 });
    expect(ast('photgraphy~2')).toEqual({ type: 'term', value: 'photgraphy', fuzzy: 2 });
    expect(ast('photo~1')).toEqual({ type: 'term', value: 'photo', fuzzy: 1 });
    expect(ast('-"bad day" good')).toEqual({
      type: 'and',
      children: [t('good'), { type: 'not', child: { type: 'phrase', terms: ['bad', 'day'] } }],
    });
  });

  it('handles parentheses', () => {
    expect(ast('(berlin OR paris) AND trip')).toEqual({
      type: 'and',
      children: [{ type: 'or', children: [t('berlin'), t('paris')] }, t('trip')],
    });
    expect(ast('trip -(rain OR snow)')).toEqual({
      type: 'and',
      children: [t('trip'), { type: 'not', child: { type: 'or', children: [t('rain'), t('snow')] } }],
    });
  });

  it('treats an inner hyphen as a word separator, not negation', () => {
    expect(ast('co-op')).toEqual({ type: 'or', children: [t('co'), t('op')] });
  });

  it('normalizes unicode (NFKC, lowercase) and strips apostrophes', () => {
    expect(ast('ＢＥＲＬＩＮ')).toEqual(t('berlin'));
    expect(ast("Müller's café")).toEqual({ type: 'or', children: [t('müllers'), t('café')] });
    expect(ast('東京')).toEqual(t('東京'));
  });

  it('never throws on hostile input and degrades to terms', () => {
    const hostile = [
      '"unbalanced quote here',
      '((((nested',
      'close ))) ) early',
      'AND',
      'OR OR OR',
      'NOT',
      'a AND',
      'AND cats',
      '-',
      '--cats',
      '***',
      '~~~2',
      '\u0000\u0001\uFFFF\uD800',
      '🤖🔥 emoji query',
      '( "a" AND ) OR ( NOT )',
      'x'.repeat(10_000),
      `${'('.repeat(5000)}deep${')'.repeat(5000)}`,
      'NEAR(a b) ^col:x {a b}',
      Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' '),
    ];
    for (const text of hostile) {
      const result = parseKeywordQuery(text);
      expect(result.raw).toBe(text);
    }
    expect(ast('"unbalanced quote here')).toEqual({ type: 'or', children: [t('unbalanced'), t('quote')] });
    expect(ast('((((nested')).toEqual(t('nested'));
    expect(ast('close ))) ) early')).toEqual({ type: 'or', children: [t('close'), t('early')] });
    expect(ast('AND')).toBeNull();
    expect(ast('a1 AND')).toEqual(t('a1'));
    expect(ast('AND cats')).toEqual(t('cats'));
    expect(ast(`${'('.repeat(5000)}deep${')'.repeat(5000)}`)).toBeNull();
    expect(ast('NEAR(a b) ^col:x')).toEqual({ type: 'or', children: [t('near'), t('b'), t('col'), t('x')] });
  });
});

describe('parseKeywordQuery in languages', () => {
  const de = (text: string) => parseKeywordQuery(text, { languages: ['de', 'en'] }).ast;

  it('drops the first language stop words (question words among them) and ORs a term per differing stem', () => {
    expect(de('Wann hat Anna die Katzen gekauft')).toEqual({
      type: 'or',
      children: [
        { type: 'term', value: 'anna', language: 'de' },
        { type: 'term', value: 'katzen', language: 'de' },
        t('katzen'),
        { type: 'term', value: 'gekauft', language: 'de' },
      ],
    });
  });

  it('is the English tree when English is the only language', () => {
    expect(parseKeywordQuery('where do I go hiking', { languages: ['en'] }).ast).toEqual(
      ast('where do I go hiking'),
    );
  });

  it('splits Japanese and Chinese words and French elisions into terms', () => {
    const ja = parseKeywordQuery('寿司を食べた', { languages: ['ja'] }).ast;
    expect(JSON.stringify(ja)).toContain('"寿司"');
    expect(JSON.stringify(ja)).not.toContain('"寿司を食べた"');
    expect(parseKeywordQuery("l'année", { languages: ['fr'] }).ast).toEqual({
      type: 'term',
      value: 'année',
      language: 'fr',
    });
  });

  it('tags phrases with the language they are tokenized in', () => {
    expect(parseKeywordQuery('"zwei Katzen"', { languages: ['de'] }).ast).toEqual({
      type: 'phrase',
      terms: ['zwei', 'katzen'],
      language: 'de',
    });
  });
});
