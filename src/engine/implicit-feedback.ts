/**
 * Implicit feedback (pure): which of the memories the model was given for a reply the reply
 * actually used. A memory is used when the reply restates its words: at least MIN_SHARED
 * of its distinct keyword terms (the keyword tokenizer's stems, stop words out) appear in
 * the reply and they are at least MIN_SHARE of its terms; the speaker names of exchange
 * lines and the user's own question do not count, so a reply that only repeats the
 * question uses nothing. Used memories are rated useful, the rest not useful, as one
 * message, so the learner pairs them as it pairs explicit ratings.
 *
 * Corrections: a user message that opens as one ("no, I moved to Berlin", "actually, it's
 * Anna, not Maria", "that's wrong") rates wrong the memories it contradicts among those the
 * model was given: the facts this turn superseded (the semantic layer found the conflict)
 * and those holding a term the message negates ("not Maria", "no longer vegan"). Those are
 * never also rated used. The cue words are English (docs/feedback.md).
 */
import { tokenize } from '../text/tokenize.ts';
import type { Memory } from '../types.ts';

export const MIN_SHARED = 2;
export const MIN_SHARE = 0.3;

const SPEAKER = /^[^:\n]{1,40}:\s/gm;

export interface ImplicitRatings {
  used: string[];
  unused: string[];
  /** Contradicted by the user's correction: rated wrong. */
  wrong: string[];
}

/** A message that opens by correcting what was said. */
const CORRECTION =
  /^\W*(?:no|nope|nah|wrong|incorrect|actually|correction|not (?:quite|really|true|anymore)|that(?:'|\u2019)?s (?:not|wrong|incorrect|outdated)|that is (?:not|wrong|incorrect)|you(?:'|\u2019)?re wrong|i never|i (?:don(?:'|\u2019)?t|do not) (?:live|work|have|like) (?:there|that) anymore)\b/i;
/** "not X", "no longer X", "isn't X": X is what the message says is no longer so. */
const NEGATED =
  /\b(?:not|no longer|never|isn(?:'|\u2019)?t|wasn(?:'|\u2019)?t|aren(?:'|\u2019)?t)\s+(?:(?:a|an|the|in|at|my|called|named)\s+)?([\p{L}\p{N}][\p{L}\p{N}'-]*)/giu;

/** Whether a user message opens as a correction of the reply before it. */
export function isCorrection(message: string): boolean {
  return CORRECTION.test(message);
}

/** The keyword terms a correction negates ("not Maria" → maria), minus what it also affirms. */
export function negatedTerms(message: string): Set<string> {
  const negated = new Set<string>();
  for (const match of message.matchAll(NEGATED)) for (const t of tokenize(match[1] ?? '')) negated.add(t);
  const affirmed = new Set(tokenize(message.replace(NEGATED, ' ')));
  for (const t of affirmed) negated.delete(t);
  return negated;
}

/** `memories` (in the order given) split by whether `reply` used them. */
export function implicitRatings(
  memories: readonly Memory[],
  reply: string,
  question: string,
  superseded: ReadonlySet<string> = new Set(),
): ImplicitRatings {
  const asked = new Set(tokenize(question));
  const said = new Set(tokenize(reply).filter((t) => !asked.has(t)));
  const correcting = isCorrection(question);
  const negated = correcting ? negatedTerms(question) : new Set<string>();
  const used: string[] = [];
  const unused: string[] = [];
  const wrong: string[] = [];
  for (const m of memories) {
    if (correcting && (superseded.has(m.id) || tokenize(m.content).some((t) => negated.has(t)))) {
      wrong.push(m.id);
      continue;
    }
    const terms = new Set(tokenize(m.content.replace(SPEAKER, '')).filter((t) => !asked.has(t)));
    let shared = 0;
    for (const t of terms) if (said.has(t)) shared += 1;
    const isUsed = shared >= MIN_SHARED && shared / Math.max(terms.size, 1) >= MIN_SHARE;
    (isUsed ? used : unused).push(m.id);
  }
  return { used, unused, wrong };
}

/** One rating call a rated reply turns into: the memories and their rating. */
export interface ReplyRating {
  rating: 'useful' | 'not_useful';
  memoryIds: string[];
}

/**
 * A thumbs up or down on a whole reply (Open WebUI rates a message, not a memory) as
 * per-memory ratings of the memories the reply was given, weighted by which of them it
 * used (implicitRatings' overlap): up → the used ones useful and the unused ones not
 * useful, a pair the learner can order; down → the used ones not useful (the reply was
 * bad and these shaped it) and the unused ones unrated (nothing is known of them). A reply
 * that used none of them is rated whole, as before: all useful or all not useful.
 */
export function replyRatings(
  memories: readonly Memory[],
  reply: string,
  question: string,
  liked: boolean,
): ReplyRating[] {
  const ids = memories.map((m) => m.id);
  const { used, unused } = implicitRatings(memories, reply, question);
  if (used.length === 0)
    return ids.length ? [{ rating: liked ? 'useful' : 'not_useful', memoryIds: ids }] : [];
  const out: ReplyRating[] = [{ rating: liked ? 'useful' : 'not_useful', memoryIds: used }];
  if (liked && unused.length) out.push({ rating: 'not_useful', memoryIds: unused });
  return out;
}
