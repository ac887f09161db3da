/**
 * Shared text helpers for the in-process embedders: a fast 32-bit FNV-1a string hash, a
 * lowercase word tokenizer, and the one unit-length normalization (of a vector or of a range
 * of it) the embedders share. Kept separate so the hash and static embedders tokenize the
 * same way and their outputs stay reproducible across versions.
 */

/** FNV-1a over UTF-16 code units; deterministic across platforms and runs. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*/gu;

/** Lowercased words (letters/digits, with inner apostrophes), NFKC-normalized. */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/** Scales a vector to unit length in place; a zero vector stays zero. */
export function normalizeInPlace(vector: Float32Array): Float32Array {
  normalizeRange(vector, 0, vector.length);
  return vector;
}

/** Scales out[start..end) to unit length in place (no view allocated); an all-zero range stays zero. */
export function normalizeRange(out: Float32Array, start: number, end: number): void {
  let sum = 0;
  for (let i = start; i < end; i++) sum += (out[i] as number) * (out[i] as number);
  if (sum === 0) return;
  const inv = 1 / Math.sqrt(sum);
  for (let i = start; i < end; i++) out[i] = (out[i] as number) * inv;
}

/** Function words that carry little topical meaning; down-weighted, never dropped. */
export const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an the and or but if of at by for with about against between into through during before after ' +
    'above below to from up down in out on off over under again further then once here there when where ' +
    'why how all any both each few more most other some such no nor not only own same so than too very ' +
    's t can will just don should now i me my myself we our ours you your yours he him his she her hers ' +
    'it its they them their what which who whom this that these those am is are was were be been being ' +
    "have has had having do does did doing would could ought i'm you're it's that's as until while"
  ).split(' '),
);
