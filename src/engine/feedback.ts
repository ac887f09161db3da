/**
 * Explicit feedback on recalled memories. Every rated memory must be the user's own (all
 * are checked before anything is written, and another user's id reads as not found, as
 * for get). Each rating is a normal versioned update of the memory, so the history is the
 * event log and export/import carry it: metadata.feedback keeps the counts, the last
 * rating and the ratings per message (the same rating for the same message counts once,
 * as Open WebUI sends a rated message again with every later turn). 'useful' reinforces
 * the memory as replay does (strength +0.2, an access); 'wrong' demotes it at once
 * (strength and importance halved, metadata.flaggedWrong with the time: recall weighs it
 * ×0.2 and leaves it out of the block); a later 'useful' clears the flag. Then the
 * learner (pipeline/learner.ts) learns from the memories rated: with the `query`, against
 * every candidate a dry-run recall of it offers now (their signals and default scores; one
 * recall per message); without it, against each other, ordered by `recalled`, on the
 * signals a memory carries without a query (layer, importance, reinforcement).
 */
import type { EngineContext } from '../layers/context.ts';
import { candidateFeatures } from '../pipeline/learned-features.ts';
import type { Candidate, RatedExample } from '../pipeline/learner.ts';
import { candidatesToLearn, learnFromFeedback } from '../pipeline/learner-store.ts';
import { reinforcementFactor } from '../pipeline/scoring.ts';
import { type QueryKind, queryKind } from '../text/query-kind.ts';
import {
  type FeedbackInput,
  FeedbackInputSchema,
  type FeedbackRating,
  type FeedbackResult,
  type Memory,
  type Metadata,
} from '../types.ts';
import { nowIso } from '../util/clock.ts';
import { parseWith } from '../validation.ts';
import { getOwned } from './versions.ts';

/** Strength a useful rating adds (as consolidation's replay does). */
export const USEFUL_BOOST = 0.2;
/** How much a wrong rating keeps of strength and importance. */
export const WRONG_FACTOR = 0.5;
/** Ratings per message remembered on a memory, newest kept. */
const MESSAGES_KEPT = 20;

/** What metadata.feedback holds. */
export interface FeedbackRecord {
  useful: number;
  notUseful: number;
  wrong: number;
  lastRating: FeedbackRating | null;
  lastAt: string | null;
  /** Rating per assistant message id, oldest first. */
  messages: Record<string, FeedbackRating>;
}

export function feedbackRecord(metadata: Metadata): FeedbackRecord {
  const raw = (metadata.feedback ?? {}) as Partial<FeedbackRecord>;
  const n = (x: unknown) => (typeof x === 'number' && x >= 0 ? x : 0);
  return {
    useful: n(raw.useful),
    notUseful: n(raw.notUseful),
    wrong: n(raw.wrong),
    lastRating: raw.lastRating ?? null,
    lastAt: raw.lastAt ?? null,
    messages: raw.messages && typeof raw.messages === 'object' ? { ...raw.messages } : {},
  };
}

/** The fields a rating changes on a memory (pure); null when it repeats a recorded rating. */
export function feedbackChanges(
  memory: Memory,
  rating: FeedbackRating,
  messageId: string | undefined,
  at: string,
): Partial<Memory> | null {
  const record = feedbackRecord(memory.metadata);
  if (messageId !== undefined && record.messages[messageId] === rating) return null;
  if (rating === 'useful') record.useful += 1;
  else if (rating === 'not_useful') record.notUseful += 1;
  else record.wrong += 1;
  record.lastRating = rating;
  record.lastAt = at;
  if (messageId !== undefined) {
    delete record.messages[messageId];
    record.messages[messageId] = rating;
    const ids = Object.keys(record.messages);
    for (const old of ids.slice(0, Math.max(0, ids.length - MESSAGES_KEPT))) delete record.messages[old];
  }
  const metadata: Metadata = { ...memory.metadata, feedback: record };
  if (rating === 'useful') {
    delete metadata.flaggedWrong;
    return {
      metadata,
      strength: memory.strength + USEFUL_BOOST,
      accessCount: memory.accessCount + 1,
      lastAccessedAt: at,
    };
  }
  if (rating === 'wrong') {
    metadata.flaggedWrong = at;
    return {
      metadata,
      strength: Math.max(0.1, memory.strength * WRONG_FACTOR),
      importance: memory.importance * WRONG_FACTOR,
    };
  }
  return { metadata };
}

/** Writes one memory's next version from its fresh state; the engine queues writers per memory. */
export type WriteFresh = (
  userId: string,
  id: string,
  next: (current: Memory) => Partial<Memory> | null,
) => Promise<Memory | null>;

/** A dry-run recall of `query` for the user, reporting every scored candidate (the engine loads the pipeline lazily). */
export type ProbeRecall = (userId: string, query: string) => Promise<Candidate[]>;

/** How many candidates of a message the learner keeps beyond the rated ones. */
const PROBE_KEPT = 80;

export async function applyFeedback(
  ctx: EngineContext,
  input: FeedbackInput,
  write: WriteFresh,
  probe?: ProbeRecall,
): Promise<FeedbackResult> {
  const feedback = parseWith(FeedbackInputSchema, input, 'feedback', 'feedback');
  const ids = [...new Set(feedback.memoryIds)];
  // Every id is checked first: one foreign or missing id and nothing is written.
  const before = new Map<string, Memory>();
  for (const id of ids) before.set(id, await getOwned(ctx, feedback.userId, id));
  const at = nowIso(ctx.clock);
  const kind = queryKind(feedback.query ?? '');
  const candidates = async (): Promise<Candidate[]> => {
    if (feedback.query?.trim() && probe) {
      const all = await probe(feedback.userId, feedback.query);
      const wanted = new Set(ids);
      return all.filter((c, i) => i < PROBE_KEPT || wanted.has(c.id));
    }
    return ids.map((id) => unranked(before.get(id)!, kind, feedback.recalled ?? []));
  };
  // Recall's candidates are read before the ratings are written: a useful rating reinforces
  // the memory, and its signals must be those recall ranked it by, not the rating's echo.
  const offered = await candidatesToLearn(ctx, feedback.userId, ids, feedback.messageId, candidates);
  const memories: Memory[] = [];
  const repeated: string[] = [];
  const rated: RatedExample[] = [];
  for (const id of ids) {
    const written = await write(feedback.userId, id, (current) =>
      feedbackChanges(current, feedback.rating, feedback.messageId, at),
    );
    if (written) {
      memories.push(written);
      rated.push({ id, useful: feedback.rating === 'useful' });
    } else {
      repeated.push(id);
      memories.push(await getOwned(ctx, feedback.userId, id));
    }
  }
  const weights = await learnFromFeedback(ctx, feedback.userId, rated, {
    messageId: feedback.messageId,
    kind,
    candidates: offered,
  });
  return { memories, repeated, weights };
}

/**
 * A rated memory as a candidate without a query: its default score stands in as its place in
 * `recalled` (ln 1/(2 + rank); unranked last) and it has only the signals a memory carries.
 */
function unranked(memory: Memory, kind: QueryKind, recalled: readonly string[]): Candidate {
  const rank = recalled.indexOf(memory.id);
  return {
    id: memory.id,
    base: -Math.log(2 + (rank < 0 ? recalled.length : rank)),
    features: candidateFeatures({
      layer: memory.layer,
      kind,
      importance: memory.importance,
      reinforcement: reinforcementFactor(memory.accessCount),
    }),
  };
}
