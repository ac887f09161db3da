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
 * learner (pipeline/learner.ts) learns from the memories rated, ranked by `recalled`.
 */
import type { EngineContext } from '../layers/context.ts';
import type { RankedExample } from '../pipeline/learner.ts';
import { learnFromFeedback } from '../pipeline/learner-store.ts';
import { queryKind } from '../text/query-kind.ts';
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

export async function applyFeedback(
  ctx: EngineContext,
  input: FeedbackInput,
  write: WriteFresh,
): Promise<FeedbackResult> {
  const feedback = parseWith(FeedbackInputSchema, input, 'feedback', 'feedback');
  const ids = [...new Set(feedback.memoryIds)];
  // Every id is checked first: one foreign or missing id and nothing is written.
  for (const id of ids) await getOwned(ctx, feedback.userId, id);
  const at = nowIso(ctx.clock);
  const memories: Memory[] = [];
  const repeated: string[] = [];
  const examples: RankedExample[] = [];
  // Unranked memories sort last and never form a misordered pair with each other.
  const rankOf = (id: string) => {
    const rank = feedback.recalled?.indexOf(id) ?? -1;
    return rank < 0 ? Number.MAX_SAFE_INTEGER : rank;
  };
  for (const id of ids) {
    let layer: Memory['layer'] | undefined;
    const written = await write(feedback.userId, id, (current) => {
      layer = current.layer;
      return feedbackChanges(current, feedback.rating, feedback.messageId, at);
    });
    if (written) {
      memories.push(written);
      examples.push({
        layer: layer ?? written.layer,
        useful: feedback.rating === 'useful',
        rank: rankOf(id),
      });
    } else {
      repeated.push(id);
      memories.push(await getOwned(ctx, feedback.userId, id));
    }
  }
  const kind = queryKind(feedback.query ?? '');
  const weights = await learnFromFeedback(ctx, feedback.userId, examples, feedback.messageId, kind);
  return { memories, repeated, weights };
}
