/**
 * Maps a query term to the index tokens it matches, identically for every store: exact
 * terms match their stem; prefix terms match vocabulary tokens starting with the typed
 * prefix or its stem; fuzzy terms match vocabulary tokens within the requested edit
 * distance (Damerau-Levenshtein with adjacent transpositions) of the typed word or its
 * stem. Expansions are capped, nearest first, so a one-letter prefix cannot explode a query.
 * The stem is the term's language's (absent: English).
 */
import type { Language } from '../../text/languages.ts';
import { normalizeText, stem } from '../../text/tokenize.ts';

export const MAX_EXPANSIONS = 64;

type TermNode = { value: string; prefix?: boolean; fuzzy?: number; language?: Language };

export function exactToken(value: string, language?: Language): string {
  return stem(normalizeText(value), language);
}

/** The prefixes a prefix term matches (typed and stemmed, deduplicated). */
export function prefixForms(value: string, language?: Language): string[] {
  const typed = normalizeText(value);
  return [...new Set([typed, stem(typed, language)])].filter((p) => p.length > 0);
}

export function fuzzyForms(value: string, language?: Language): string[] {
  const typed = normalizeText(value);
  return [...new Set([typed, stem(typed, language)])];
}

let rows = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

/** Edit distance bounded by max (returns max + 1 when larger), with transpositions. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const m = a.length;
  const n = b.length;
  if (n + 1 > rows[0]!.length) rows = [0, 1, 2].map(() => new Int32Array(n + 1));
  // three reused rows (two back for transpositions): no allocation per vocabulary term
  let prev2 = rows[0]!;
  let prev = rows[1]!;
  let cur = rows[2]!;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    let rowMin = i;
    const ai = a.charCodeAt(i - 1);
    for (let j = 1; j <= n; j++) {
      const bj = b.charCodeAt(j - 1);
      let value = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ai === bj ? 0 : 1));
      if (i > 1 && j > 1 && ai === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === bj) {
        value = Math.min(value, prev2[j - 2]! + 1);
      }
      cur[j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    const spare = prev2;
    prev2 = prev;
    prev = cur;
    cur = spare;
  }
  return prev[n]!;
}

/** Expands a term against a vocabulary; exact terms need no vocabulary. */
export function expandTerm(node: TermNode, vocabulary: () => Iterable<string>): string[] {
  if (node.prefix) {
    const prefixes = prefixForms(node.value, node.language);
    const out: string[] = [];
    for (const token of vocabulary()) {
      if (prefixes.some((p) => token.startsWith(p))) {
        out.push(token);
      }
    }
    return out.sort((a, b) => a.length - b.length || (a < b ? -1 : 1)).slice(0, MAX_EXPANSIONS);
  }
  if (node.fuzzy !== undefined && node.fuzzy > 0) {
    const max = Math.min(2, Math.max(1, Math.round(node.fuzzy)));
    const forms = fuzzyForms(node.value, node.language);
    const scored: Array<[string, number]> = [];
    for (const token of vocabulary()) {
      let best = max + 1;
      for (const form of forms) best = Math.min(best, editDistance(form, token, max));
      if (best <= max) scored.push([token, best]);
    }
    scored.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    const out = scored.slice(0, MAX_EXPANSIONS).map(([token]) => token);
    const exact = exactToken(node.value, node.language);
    return out.includes(exact) ? out : [exact, ...out].slice(0, MAX_EXPANSIONS);
  }
  return [exactToken(node.value, node.language)];
}
