/**
 * Where the learner's state lives: the store's per-user state entries (key `learner`; the
 * global prior under user ''), or, for a store without that capability, a map in this
 * process (lost on restart, said in docs/feedback.md). recall reads the weights here;
 * feedback and consolidation write them.
 */
import type { EngineContext } from '../layers/context.ts';
import type { MemoryStore } from '../stores/types.ts';
import type { QueryKind } from '../text/query-kind.ts';
import type { LayerName } from '../types.ts';
import { nowIso } from '../util/clock.ts';
import { CLOSE_TAG, estimateTokens, INSTRUCTION, OPEN_TAG } from './format.ts';
import type { FeatureWeights } from './learned-features.ts';
import {
  type Candidate,
  candidateShares,
  candidateWeights,
  effectiveShares,
  effectiveWeights,
  fitPrior,
  type LayerShares,
  type LearnerState,
  layerMultipliers,
  learn,
  neutralWeights,
  parseLearner,
  type RatedExample,
} from './learner.ts';

export const LEARNER_KEY = 'learner';
/** The user id of the values shared by every user (UserIdSchema never allows ''). */
export const GLOBAL_SCOPE = '';

const fallback = new WeakMap<MemoryStore, Map<string, unknown>>();

function local(store: MemoryStore): Map<string, unknown> {
  let map = fallback.get(store);
  if (!map) {
    map = new Map();
    fallback.set(store, map);
  }
  return map;
}

async function readState(store: MemoryStore, userId: string): Promise<LearnerState> {
  const value = store.getState
    ? await store.getState(userId, LEARNER_KEY)
    : local(store).get(`${userId}\u0000${LEARNER_KEY}`);
  return parseLearner(value);
}

async function writeState(store: MemoryStore, userId: string, state: LearnerState): Promise<void> {
  if (store.putState) await store.putState(userId, LEARNER_KEY, state);
  else local(store).set(`${userId}\u0000${LEARNER_KEY}`, state);
}

/** The user's stored learner state (empty without feedback). */
export function learnerState(ctx: EngineContext, userId: string): Promise<LearnerState> {
  return readState(ctx.store, userId);
}

/** Every state entry of the user (export), from the store or this process. */
export async function userStateEntries(
  ctx: EngineContext,
  userId: string,
): Promise<Array<{ key: string; value: unknown }>> {
  if (ctx.store.listState) return ctx.store.listState(userId);
  const prefix = `${userId}\u0000`;
  return [...local(ctx.store)]
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, value]) => ({ key: k.slice(prefix.length), value }));
}

/** Writes one state entry as exported (import); the learner's state is read leniently. */
export async function restoreUserState(
  ctx: EngineContext,
  userId: string,
  key: string,
  value: unknown,
): Promise<void> {
  const clean = key === LEARNER_KEY ? parseLearner(value) : value;
  if (ctx.store.putState) await ctx.store.putState(userId, key, clean);
  else local(ctx.store).set(`${userId}\u0000${key}`, clean);
}

/** The learned weights recall applies for this user (empty: the defaults, as with learning off). */
export async function learnedWeights(ctx: EngineContext, userId: string): Promise<FeatureWeights> {
  if (!ctx.config.learning.enabled) return {};
  const [user, prior] = await Promise.all([readState(ctx.store, userId), readState(ctx.store, GLOBAL_SCOPE)]);
  return effectiveWeights(user, prior, ctx.config.learning);
}

/** What recall applies for this user: learned weights (empty: the defaults) and block shares (null: the defaults). */
export async function learnedStrategy(
  ctx: EngineContext,
  userId: string,
): Promise<{ weights: FeatureWeights; shares: LayerShares | null }> {
  if (!ctx.config.learning.enabled) return { weights: {}, shares: null };
  const [user, prior] = await Promise.all([readState(ctx.store, userId), readState(ctx.store, GLOBAL_SCOPE)]);
  return {
    weights: effectiveWeights(user, prior, ctx.config.learning),
    shares: effectiveShares(user, prior, ctx.config.learning),
  };
}

/** The layer multipliers of the applied weights for a kind of question (all 1 with learning off). */
export async function layerWeights(
  ctx: EngineContext,
  userId: string,
  kind: QueryKind = 'other',
): Promise<Record<LayerName, number>> {
  if (!ctx.config.learning.enabled) return neutralWeights();
  return layerMultipliers(await learnedWeights(ctx, userId), kind);
}

/** What a rated message brings: its id, kind of question and the candidates recall offered for it. */
export interface RatedMessage {
  messageId: string | undefined;
  kind: QueryKind;
  /** Empty when the learner already has them (candidatesToLearn). */
  candidates: Candidate[];
}

/**
 * The candidates to learn a rating call from: `read` runs (recall, once per message) only
 * when the message is new to the learner or rates a memory it has no candidate for; none
 * with learning off.
 */
export async function candidatesToLearn(
  ctx: EngineContext,
  userId: string,
  ids: readonly string[],
  messageId: string | undefined,
  read: () => Promise<Candidate[]>,
): Promise<Candidate[]> {
  if (!ctx.config.learning.enabled || ids.length === 0) return [];
  const state = await readState(ctx.store, userId);
  const same = messageId !== undefined && state.pending?.messageId === messageId;
  const seen = new Set(same ? state.pending!.candidates.map((c) => c.id) : []);
  return ids.every((id) => seen.has(id)) ? [] : read();
}

/** Learns from rated memories and saves the user's state; returns the layer multipliers for that kind. */
export async function learnFromFeedback(
  ctx: EngineContext,
  userId: string,
  rated: readonly RatedExample[],
  message: RatedMessage,
): Promise<Record<LayerName, number>> {
  if (ctx.config.learning.enabled && rated.length > 0) {
    const [state, prior] = await Promise.all([
      readState(ctx.store, userId),
      readState(ctx.store, GLOBAL_SCOPE),
    ]);
    // The block the check simulates: the default block's budget (the frame's tokens off) and pool.
    const frame = estimateTokens(`${OPEN_TAG}\n${INSTRUCTION}\n${CLOSE_TAG}`) + 1;
    const next = learn(
      state,
      rated,
      {
        ...message,
        tested: candidateWeights(state, prior, ctx.config.learning),
        testedShares: candidateShares(state, prior, ctx.config.learning),
        budget: Math.max(1, ctx.config.recall.maxTokens - frame),
        pool: ctx.config.recall.k,
      },
      ctx.config.learning,
      nowIso(ctx.clock),
    );
    await writeState(ctx.store, userId, next);
  }
  return layerWeights(ctx, userId, message.kind);
}

/** Refits the global prior from every user's state (all-user consolidation); returns the users counted. */
export async function refitPrior(ctx: EngineContext): Promise<number> {
  const users = ctx.store.stateUsers
    ? await ctx.store.stateUsers(LEARNER_KEY)
    : [...local(ctx.store).keys()].map((k) => k.split('\u0000')[0]!);
  const states: LearnerState[] = [];
  for (const userId of new Set(users)) {
    if (userId !== GLOBAL_SCOPE) states.push(await readState(ctx.store, userId));
  }
  await writeState(ctx.store, GLOBAL_SCOPE, fitPrior(states, nowIso(ctx.clock)));
  return states.length;
}
