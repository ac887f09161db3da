/**
 * The one tokenizer behind keyword search, used identically when indexing and when
 * querying so that both sides agree on every token: NFKC normalization, lowercase, runs of
 * Unicode letters/digits (apostrophes inside words are dropped: "don't" → "dont"), English
 * stop words removed, and a light suffix-stripping stemmer. The stemmer is deliberately
 * conservative (plural, -ing, -ed, -ly, a few derivational endings): over-stemming hurts
 * precision more than it helps recall once dense vectors are fused in.
 */

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

/** NFKC + lowercase; the normalization every token and query term goes through. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export function isStopWord(token: string): boolean {
  return STOP_WORDS.has(token);
}

/** Words of the text, normalized, with apostrophes removed, stop words kept. */
export function words(text: string): string[] {
  const out: string[] = [];
  for (const match of normalizeText(text).matchAll(WORD)) out.push(match[0].replace(/['’]/g, ''));
  return out;
}

/** Index/query tokens: normalized, stop words removed, stemmed. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const word of words(text)) {
    if (STOP_WORDS.has(word)) continue;
    out.push(stem(word));
  }
  return out;
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
export function stem(word: string): string {
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
