/**
 * Which language a text is in, for the tokenizer, the date parser and the emotion lexicon.
 * The script settles some (kana: Japanese, Han: Chinese, Cyrillic: Russian); for the
 * Latin-script languages stop words decide: the language holding the most, with at least one
 * (two in a text under four words: "See ya!" holds one Spanish stop word by chance), is
 * detected. tinyld alone would call "What kind of beer does McGee's bar serve?" Berber and
 * "See ya!" Spanish, so it only breaks a tie between leaders ("I live in Berlin now" holds
 * two English and two Italian stop words) and, where no language holds enough ("Bye Nate!",
 * "Katzen?"), names guesses that are not trusted: the fallback (the configured default) stays
 * in charge, and a query is still searched in the guesses beside it. It runs tinyld's light
 * model (~8 MB resident, against ~28 MB for the normal one, which choosing among a few
 * candidates does not need), loaded on first use.
 */
import { createRequire } from 'node:module';
import { LANGUAGES, type Language, toLanguage } from './languages.ts';
import { elides, isStopWord, words } from './tokenize.ts';

const LATIN: Language[] = LANGUAGES.filter((l) => l !== 'ru' && l !== 'ja' && l !== 'zh');

interface Tinyld {
  detectAll(text: string, options: { only: string[] }): Array<{ lang: string; accuracy: number }>;
}
let tinyld: Tinyld | undefined;
/** An untrusted guess is searched when it scores at least this share of tinyld's best. */
const CLOSE_GUESS = 0.75;

const KANA = /[\p{Script=Hiragana}\p{Script=Katakana}]/u;
const HAN = /\p{Script=Han}/gu;
const CYRILLIC = /\p{Script=Cyrillic}/gu;
const LETTER = /\p{L}/gu;
const CONTRACTION = /['’]\p{L}{1,2}(?!\p{L})/gu;

export interface DetectedLanguage {
  /** The language used: the detected one when trusted, else the fallback. */
  language: Language;
  /** Whether the text itself settled it. */
  detected: boolean;
  /**
   * Where nothing was trusted: tinyld's best guesses among the other supported languages
   * (at most two, the second only when close), which a query is searched in too.
   */
  guesses?: Language[];
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
 * Stop-word hits per Latin-script language, kept only where they are enough (two in a text
 * under four words, else one; "See ya!" holds one Spanish stop word by chance).
 */
function stopWordVotes(text: string): Map<Language, number> {
  // Latin-script languages tokenize alike but for elision: two passes. A short piece after
  // an apostrophe is an English contraction ("it's", "can't"), not an elision (whose short
  // piece comes first: "l'été"), so it is no French or Italian stop word here.
  const plain = words(text, 'en');
  const elided = words(text.replace(CONTRACTION, ''), 'fr');
  const votes = new Map<Language, number>();
  for (const language of LATIN) {
    const tokens = elides(language) ? elided : plain;
    const hits = stopHits(tokens, language);
    if (hits >= (tokens.length < 4 ? 2 : 1)) votes.set(language, hits);
  }
  return votes;
}

/**
 * tinyld's candidates among `only`, best first, loading its light model on first use (~8 MB
 * resident; the normal model is ~28 MB and is not needed to choose among a few).
 */
function ranked(text: string, only: readonly Language[]): Language[] {
  if (!tinyld) tinyld = createRequire(import.meta.url)('tinyld/light') as Tinyld;
  const all = tinyld.detectAll(text, { only: [...only] });
  const best = all[0]?.accuracy ?? 0;
  const out: Language[] = [];
  for (const { lang, accuracy } of all) {
    const language = toLanguage(lang);
    if (language && only.includes(language) && accuracy >= best * CLOSE_GUESS) out.push(language);
  }
  return out;
}

/** The language of `text`, trusted only where the text settles it (see the module comment). */
export function detectLanguage(text: string, fallback: Language = 'en'): DetectedLanguage {
  const letters = count(text, LETTER);
  if (letters === 0) return { language: fallback, detected: false };
  if (KANA.test(text)) return { language: 'ja', detected: true };
  const han = count(text, HAN);
  if (han > 0 && han * 2 >= letters) return { language: 'zh', detected: true };
  if (count(text, CYRILLIC) * 2 >= letters) return { language: 'ru', detected: true };
  const votes = stopWordVotes(text);
  if (votes.size === 0) {
    // Nothing to trust; the guesses are only searched beside the fallback (queries).
    const guesses = ranked(text, LATIN)
      .filter((l) => l !== fallback)
      .slice(0, 2);
    return guesses.length > 0
      ? { language: fallback, detected: false, guesses }
      : { language: fallback, detected: false };
  }
  const best = Math.max(...votes.values());
  const tied = [...votes].filter(([, hits]) => hits === best).map(([language]) => language);
  if (tied.length === 1) return { language: tied[0]!, detected: true };
  // A tie ("I live in Berlin now": two English and two Italian stop words; Spanish and
  // Portuguese share many) goes to tinyld, then to the fallback where it is tied.
  const pick = ranked(text, tied)[0] ?? (tied.includes(fallback) ? fallback : tied[0]!);
  return { language: pick, detected: true };
}

export interface LanguageSettings {
  /** Detect per text (else every text is `default`). */
  detect: boolean;
  default: Language;
}

/** A text's language under the settings: detected when trusted, else the default. */
export function languageOf(text: string, settings: LanguageSettings): DetectedLanguage {
  if (!settings.detect) return { language: settings.default, detected: false };
  return detectLanguage(text, settings.default);
}

/**
 * The languages a keyword query is searched in, the one that decides its stop words first:
 * the query's language when trusted, then the default (memories of the user's usual
 * language, and memories stored before languages were recorded, tokenized as English);
 * untrusted guesses are searched too, after the default, so a one-word "Katzen?" still
 * finds German memories under an English default.
 */
export function queryLanguages(text: string, settings: LanguageSettings): Language[] {
  const found = languageOf(text, settings);
  const out: Language[] = [found.language, settings.default, ...(found.guesses ?? [])];
  return [...new Set(out)];
}
