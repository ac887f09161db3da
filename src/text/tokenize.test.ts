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

describe('tokenize per language', () => {
  it('is the English tokenizer for English and for no language', () => {
    const text = "I've been hiking with Caroline's cats since May";
    expect(tokenize(text, 'en')).toEqual(tokenize(text));
    expect(tokenize(text)).toEqual(['hik', 'carolin', 'cat', 'sinc', 'may']);
  });

  it('stems with Snowball and drops the language stop words', () => {
    expect(tokenize('Ich habe zwei Katzen gekauft', 'de')).toEqual(['zwei', 'katz', 'gekauft']);
    expect(tokenize('Les enfants mangeaient des pommes', 'fr')).toEqual(['enfant', 'mang', 'pomm']);
    expect(tokenize('Мы купили новые книги', 'ru')).toEqual(['куп', 'нов', 'книг']);
    // Without the language the same German words are English-stemmed: other tokens.
    expect(tokenize('Katzen gekauft')).toEqual(['katzen', 'gekauft']);
  });

  it('drops question words as the English list does ("when" matches nothing)', () => {
    expect(tokenize('Quando parte il treno?', 'it')).toEqual(['part', 'tren']);
    expect(tokenize('Wann fährt der Zug?', 'de')).toEqual(['fahrt', 'zug']);
    expect(tokenize('Quand part le train ?', 'fr')).toEqual(['part', 'train']);
    expect(tokenize('Wanneer vertrekt de trein?', 'nl')).toEqual(['vertrekt', 'trein']);
    expect(tokenize('Почему поезд опоздал?', 'ru')).toEqual(['поезд', 'опозда']);
    expect(tokenize('いつ出発しますか', 'ja')).toEqual(['出発']);
  });

  it('splits French and Italian elisions', () => {
    expect(words("l'année dernière", 'fr')).toEqual(['l', 'année', 'dernière']);
    expect(tokenize("dell'anno scorso", 'it')).not.toContain('dellanno');
    expect(words("l'année")).toEqual(['lannée']);
  });

  it('segments Japanese and Chinese into words instead of one token per sentence', () => {
    const ja = tokenize('昨日、東京で友達と寿司を食べました。', 'ja');
    expect(ja).toEqual(expect.arrayContaining(['昨日', '東京', '友達', '寿司']));
    expect(ja).not.toContain('で');
    const zh = tokenize('我上周末和朋友去爬山了。', 'zh');
    expect(zh).toEqual(expect.arrayContaining(['周末', '朋友', '爬山']));
    expect(zh).not.toContain('了');
    // Segmentation follows the script, so untagged text is cut too.
    expect(tokenize('昨日東京で寿司を食べた')).toEqual(expect.arrayContaining(['昨日', '東京', '寿司']));
  });
});
