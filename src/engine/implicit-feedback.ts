/**
 * Implicit feedback (pure): which of the memories the model was given for a reply the reply
 * actually used. A memory is used when the reply restates its words: at least MIN_SHARED
 * of its distinct keyword terms (the keyword tokenizer's stems, stop words out) appear in
 * the reply and they are at least MIN_SHARE of its terms; the speaker names of exchange
 * lines and the user's own question do not count, so a reply that only repeats the
 * question uses nothing. Used memories are rated useful, the rest not useful, as one
 * message, so the learner pairs them as it pairs explicit ratings.
 */
import { tokenize } from '../text/tokenize.ts';
import type { Memory } from '../types.ts';

export const MIN_SHARED = 2;
export const MIN_SHARE = 0.3;

const SPEAKER = /^[^:\n]{1,40}:\s/gm;

export interface ImplicitRatings {
  used: string[];
  unused: string[];
}

/** `memories` (in the order given) split by whether `reply` used them. */
export function implicitRatings(
  memories: readonly Memory[],
  reply: string,
  question: string,
): ImplicitRatings {
  const asked = new Set(tokenize(question));
  const said = new Set(tokenize(reply).filter((t) => !asked.has(t)));
  const used: string[] = [];
  const unused: string[] = [];
  for (const m of memories) {
    const terms = new Set(tokenize(m.content.replace(SPEAKER, '')).filter((t) => !asked.has(t)));
    let shared = 0;
    for (const t of terms) if (said.has(t)) shared += 1;
    const isUsed = shared >= MIN_SHARED && shared / Math.max(terms.size, 1) >= MIN_SHARE;
    (isUsed ? used : unused).push(m.id);
  }
  return { used, unused };
}
