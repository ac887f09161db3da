/**
 * The one tokenizer behind keyword search, used identically when indexing and when
 * querying so that both sides agree on every token: NFKC normalization, lowercase, runs of
 * Unicode letters/digits, stop words removed, and a stemmer, both chosen by language.
 *
 * Without a language (memories stored before languages were recorded) or for English it is
 * what it always was: apostrophes inside words dropped ("don't" → "dont"), the English stop
 * words, and a light suffix-stripping stemmer, deliberately conservative (plural, -ing, -ed,
 * -ly, a few derivational endings): over-stemming hurts precision more than it helps recall
 * once dense vectors are fused in. Other languages get the Snowball stemmer and stop-word
 * list of @orama/stemmers and @orama/stopwords (Japanese and Chinese: stop words only);
 * French and Italian split elisions ("l'année" → "l", "année"). In every language a run of
 * Han, kana, Thai, Lao, Khmer or Myanmar script is cut into words by Intl.Segmenter, so a
 * Japanese or Chinese sentence is not one giant token. TOKENIZER_VERSION names this scheme:
 * stores rebuild their keyword index when the version they indexed with differs.
 */

import { stemmer as nlStem } from '@orama/stemmers/dutch';
import { stemmer as frStem } from '@orama/stemmers/french';
import { stemmer as deStem } from '@orama/stemmers/german';
import { stemmer as itStem } from '@orama/stemmers/italian';
import { stemmer as ptStem } from '@orama/stemmers/portuguese';
import { stemmer as ruStem } from '@orama/stemmers/russian';
import { stemmer as esStem } from '@orama/stemmers/spanish';
import { stopwords as nlStop } from '@orama/stopwords/dutch';
import { stopwords as frStop } from '@orama/stopwords/french';
import { stopwords as deStop } from '@orama/stopwords/german';
import { stopwords as itStop } from '@orama/stopwords/italian';
import { stopwords as jaStop } from '@orama/stopwords/japanese';
import { stopwords as zhStop } from '@orama/stopwords/mandarin';
import { stopwords as ptStop } from '@orama/stopwords/portuguese';
import { stopwords as ruStop } from '@orama/stopwords/russian';
import { stopwords as esStop } from '@orama/stopwords/spanish';
import type { Language } from './languages.ts';

/** Bumped whenever the tokens of some text change; stores reindex on a mismatch. */
export const TOKENIZER_VERSION = 3;

const STOP_WORDS = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below ' +
    'between both but by can could did do does doing down during each few for from further had has have ' +
    'having he her here hers herself him himself his how i if in into is it its itself just me more most ' +
    'my myself no nor not of off on once only or other our ours ourselves out over own same she should so ' +
    'some such than that the their theirs them themselves then there these they this those through to too ' +
    'under until up very was we were what when where which while who whom why will with would you your ' +
    'yours yourself yourselves im ive id ill youre youve dont doesnt didnt isnt wasnt arent s t'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/gu;
const APOSTROPHE = /['’]/g;
/** Scripts written without spaces between words: Intl.Segmenter finds the words. */
const UNSPACED =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Thai}\p{Script=Lao}\p{Script=Khmer}\p{Script=Myanmar}]/u;
const HAS_WORD_CHAR = /[\p{L}\p{N}]/u;
/** Languages whose apostrophes mark elisions (l'année, dell'anno): the pieces are words. */
const ELIDING: ReadonlySet<Language> = new Set<Language>(['fr', 'it']);

/** Whether {@link words} splits elisions ("l'amour") in the language: the one way Latin-script languages tokenize apart. */
export function elides(language: Language): boolean {
  return ELIDING.has(language);
}

/** NFKC + lowercase; the normalization every token and query term goes through. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

function stopSet(list: readonly string[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const entry of list) for (const word of words(entry)) out.add(word);
  return out;
}

const LIST_OF: Record<Exclude<Language, 'en'>, readonly string[]> = {
  de: deStop,
  fr: frStop,
  es: esStop,
  it: itStop,
  pt: ptStop,
  nl: nlStop,
  ru: ruStop,
  ja: jaStop,
  zh: zhStop,
};
/**
 * Question words, stop words as they are in the English list ("when", "where", "which"):
 * the @orama lists hold some of them and not others (Italian "dove" but not "quando"), and a
 * question's "when" matching a memory's "when" ranks the memory for nothing.
 */
const QUESTION_WORDS: Record<Exclude<Language, 'en'>, string> = {
  de: 'wann warum weshalb wieso wo woher wohin wer wen wem wessen was welche welcher welches welchen welchem wie',
  fr: 'quand où pourquoi comment quel quelle quels quelles qui que quoi combien lequel laquelle',
  es: 'cuándo cuando dónde donde qué cómo cuál cuáles quién quiénes cuánto cuántos cuánta cuántas',
  it: 'quando dove perché come quale quali chi cosa che quanto quanti quanta quante',
  pt: 'quando onde porque como qual quais quem quanto quantos quanta quantas',
  nl: 'wanneer waar waarom hoe welk welke wie wat hoeveel',
  ru: 'когда где почему зачем как какой какая какое какие какого каком кто что сколько куда откуда',
  ja: 'いつ どこ なぜ どうして 何 誰 どの どんな',
  zh: '什么 哪里 哪儿 为什么 怎么 谁 多少 几',
};

const stopSets = new Map<Language, ReadonlySet<string>>([['en', STOP_WORDS]]);

function stopWordsOf(language: Language): ReadonlySet<string> {
  let set = stopSets.get(language);
  if (!set) {
    const other = language as Exclude<Language, 'en'>;
    set = stopSet([...LIST_OF[other], ...QUESTION_WORDS[other].split(' ')]);
    stopSets.set(language, set);
  }
  return set;
}

/** Whether a normalized word is a stop word of the language (English without one). */
export function isStopWord(token: string, language?: Language): boolean {
  return stopWordsOf(language ?? 'en').has(token);
}

const segmenters = new Map<string, Intl.Segmenter>();

function segment(run: string, language: Language | undefined): string[] {
  const locale = language === 'ja' ? 'ja' : language === 'zh' ? 'zh' : 'und';
  let segmenter = segmenters.get(locale);
  if (!segmenter) {
    segmenter = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, segmenter);
  }
  const out: string[] = [];
  for (const piece of segmenter.segment(run)) if (HAS_WORD_CHAR.test(piece.segment)) out.push(piece.segment);
  return out;
}

/** Words of the text, normalized, apostrophes removed (or split at, for elisions), stop words kept. */
export function words(text: string, language?: Language): string[] {
  const out: string[] = [];
  const split = language !== undefined && elides(language);
  for (const match of normalizeText(text).matchAll(WORD)) {
    const word = match[0];
    if (UNSPACED.test(word)) {
      for (const piece of segment(word, language)) out.push(piece.replace(APOSTROPHE, ''));
    } else if (split) {
      for (const piece of word.split(APOSTROPHE)) if (piece) out.push(piece);
    } else {
      out.push(word.replace(APOSTROPHE, ''));
    }
  }
  return out;
}

/** Index/query tokens: normalized, the language's stop words removed, stemmed. */
export function tokenize(text: string, language?: Language): string[] {
  const stops = stopWordsOf(language ?? 'en');
  const out: string[] = [];
  for (const word of words(text, language)) {
    if (stops.has(word)) continue;
    out.push(stem(word, language));
  }
  return out;
}

const SNOWBALL: Partial<Record<Language, (word: string) => string>> = {
  de: deStem,
  fr: frStem,
  es: esStem,
  it: itStem,
  pt: ptStem,
  nl: nlStem,
  ru: ruStem,
};
const LETTERS = /^[\p{L}\p{M}]+$/u;

/** The stem of a normalized word in a language: English (the default) or Snowball; others unchanged. */
export function stem(word: string, language?: Language): string {
  if (language === undefined || language === 'en') return englishStem(word);
  const snowball = SNOWBALL[language];
  if (!snowball || !LETTERS.test(word)) return word;
  return snowball(word) || word;
}

const VOWEL = /[aeiouy]/;

function hasVowel(s: string): boolean {
  return VOWEL.test(s);
}

/** Undo consonant doubling left by a stripped suffix ("running" → "runn" → "run"). */
function undouble(s: string): string {
  const last = s.at(-1);
  if (s.length > 2 && last === s.at(-2) && last !== undefined && !'lsz'.includes(last) && !VOWEL.test(last)) {
    return s.slice(0, -1);
  }
  return s;
}

/** A light English stemmer; non-Latin words and short words pass through unchanged. */
function englishStem(word: string): string {
  if (word.length <= 3 || !/^[a-z]+$/.test(word)) return word;
  let w = word;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !w.endsWith('ss') && !w.endsWith('us') && !w.endsWith('is')) w = w.slice(0, -1);

  for (const [suffix, replacement] of [
    ['ational', 'ate'],
    ['ization', 'ize'],
    ['fulness', 'ful'],
    ['iveness', 'ive'],
    ['ousness', 'ous'],
    ['ement', ''],
    ['ment', ''],
    ['ness', ''],
  ] as const) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 3) {
      w = w.slice(0, -suffix.length) + replacement;
      break;
    }
  }

  if (w.endsWith('ingly') && w.length > 7) w = w.slice(0, -5);
  else if (w.endsWith('edly') && w.length > 6) w = w.slice(0, -4);
  else if (w.endsWith('ly') && w.length > 5) w = w.slice(0, -2);

  if (w.endsWith('eed')) {
    if (w.length > 4) w = w.slice(0, -1);
  } else if (w.endsWith('ing') && w.length > 5 && hasVowel(w.slice(0, -3))) {
    w = undouble(w.slice(0, -3));
  } else if (w.endsWith('ed') && w.length > 4 && hasVowel(w.slice(0, -2))) {
    w = undouble(w.slice(0, -2));
  }
  // A final silent e is dropped everywhere so "hike", "hiked" and "hiking" meet at "hik".
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}
