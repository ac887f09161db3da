/**
 * Which language a text is in, for the tokenizer, the date parser and the emotion lexicon.
 * tinyld guesses among the supported languages only (an open guess calls short English
 * "Bye!" Kirundi); the guess is trusted when the script settles it (kana: Japanese, Han:
 * Chinese, Cyrillic: Russian) or when the text holds at least one stop word of the guessed
 * language (two in a text under four words) and at least as many as of the
 * fallback language: tinyld
 * alone calls "What kind of beer does McGee's bar serve?" Berber and "See ya!" Spanish,
 * and "Bye Nate!" carries too little to tell. An untrusted guess leaves the fallback
 * (the configured default) in charge; for a query the guess is still searched beside it.
 *
 * Stop words decide first, and tinyld (~28 MB resident once loaded) is loaded only when they
 * cannot: when the fallback holds enough stop words and more than any other language, no
 * guess could be trusted over it; when no language holds enough, none could be trusted at
 * all, so a stored text needs no guess, and a query (whose untrusted guess is searched too)
 * asks tinyld's light model (~8 MB), enough for a label nothing trusts. A process that only
 * ever sees its default language never loads the full model.
 */
import { createRequire } from 'node:module';
import { LANGUAGES, type Language, toLanguage } from './languages.ts';
import { elides, isStopWord, words } from './tokenize.ts';

const LATIN: Language[] = LANGUAGES.filter((l) => l !== 'ru' && l !== 'ja' && l !== 'zh');

type Detect = (text: string, options: { only: string[] }) => string;
const models: { full?: Detect; light?: Detect } = {};

/** tinyld's guess among the Latin-script languages, loading the model on first use. */
function guessLatin(text: string, model: 'full' | 'light'): Language | undefined {
  let detect = models[model];
  if (!detect) {
    const id = model === 'full' ? 'tinyld' : 'tinyld/light';
    detect = (createRequire(import.meta.url)(id) as { detect: Detect }).detect;
    models[model] = detect;
  }
  return toLanguage(detect(text, { only: LATIN }));
}

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HAN = /\p{Script=Han}/gu;
const CYRILLIC = /\p{Script=Cyrillic}/gu;
const LETTER = /\p{L}/gu;

export interface DetectedLanguage {
  /** The language used: the detected one when trusted, else the fallback. */
  language: Language;
  /** Whether the text itself settled it. */
  detected: boolean;
  /** tinyld's guess when it was not trusted (another supported language), if any. */
  guess?: Language;
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}

function stopHits(tokens: string[], language: Language): number {
  let hits = 0;
  for (const token of tokens) if (isStopWord(token, language)) hits += 1;
  return hits;
}

/**
 * Whether stop words alone settle the text: `fallback` when it holds enough and more than
 * any other Latin-script language (no guess could be trusted over it), `none` when no
 * language holds enough (no guess could be trusted at all), `undefined` when tinyld must say.
 */
function settledByStopWords(text: string, fallback: Language): 'fallback' | 'none' | undefined {
  let bestOther = 0;
  let fallbackHits = 0;
  let fallbackEnough = false;
  let anyEnough = false;
  // Latin-script languages tokenize alike but for elision: two passes at most.
  const plain = words(text, 'en');
  const elided = words(text, 'fr');
  for (const language of LATIN) {
    const tokens = elides(language) ? elided : plain;
    const hits = stopHits(tokens, language);
    // A short text needs two stop words, as for a guess below.
    const enough = hits >= (tokens.length < 4 ? 2 : 1);
    anyEnough ||= enough;
    if (language === fallback) {
      fallbackHits = hits;
      fallbackEnough = enough;
    } else bestOther = Math.max(bestOther, hits);
  }
  if (fallbackEnough && fallbackHits > bestOther) return 'fallback';
  return anyEnough ? undefined : 'none';
}

/**
 * The language of `text`, trusted only where the text settles it (see the module comment).
 * `withGuess`: also name an untrusted guess (queries search it), even where that needs tinyld.
 */
export function detectLanguage(text: string, fallback: Language = 'en', withGuess = true): DetectedLanguage {
  const letters = count(text, LETTER);
  if (letters === 0) return { language: fallback, detected: false };
  if (KANA.test(text)) return { language: 'ja', detected: true };
  const han = count(text, HAN);
  if (han > 0 && han * 2 >= letters) return { language: 'zh', detected: true };
  if (count(text, CYRILLIC) * 2 >= letters) return { language: 'ru', detected: true };
  if (LATIN.includes(fallback)) {
    const settled = settledByStopWords(text, fallback);
    if (settled === 'fallback') return { language: fallback, detected: true };
    if (settled === 'none') {
      const guess = withGuess ? guessLatin(text, 'light') : undefined;
      return guess && guess !== fallback
        ? { language: fallback, detected: false, guess }
        : { language: fallback, detected: false };
    }
  }
  const guess = guessLatin(text, 'full');
  if (!guess) return { language: fallback, detected: false };
  const tokens = words(text, guess);
  const hits = stopHits(tokens, guess);
  // A short text needs two stop words: "See ya!" holds one Spanish stop word by chance.
  const needed = tokens.length < 4 ? 2 : 1;
  const trusted = hits >= needed && (guess === fallback || hits >= stopHits(words(text, fallback), fallback));
  if (trusted) return { language: guess, detected: true };
  return guess === fallback
    ? { language: fallback, detected: false }
    : { language: fallback, detected: false, guess };
}

export interface LanguageSettings {
  /** Detect per text (else every text is `default`). */
  detect: boolean;
  default: Language;
}

/**
 * A text's language under the settings: detected when trusted, else the default. `withGuess`
 * as for {@link detectLanguage} (a stored text's language needs no untrusted guess).
 */
export function languageOf(text: string, settings: LanguageSettings, withGuess = true): DetectedLanguage {
  if (!settings.detect) return { language: settings.default, detected: false };
  return detectLanguage(text, settings.default, withGuess);
}

/**
 * The languages a keyword query is searched in, the one that decides its stop words first:
 * the query's language when trusted, then the default (memories of the user's usual
 * language, and memories stored before languages were recorded, tokenized as English);
 * an untrusted guess is searched too, after the default, so a one-word "Katzen?" still
 * finds German memories under an English default.
 */
export function queryLanguages(text: string, settings: LanguageSettings): Language[] {
  const found = languageOf(text, settings);
  const out: Language[] = [found.language, settings.default];
  if (found.guess) out.push(found.guess);
  return [...new Set(out)];
}
