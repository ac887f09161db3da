/**
 * Explain recall: for one message, the block recall would inject now (a dry run: nothing
 * is touched or strengthened), every ranked memory with its score, signals and multipliers,
 * the learned weight of its layer and the ratings it got, and the learner's state behind
 * those weights (the user's own, the shared prior, how much of each, what they were learned
 * from). Also the per-user learning figures of `stats`.
 */
import type { EngineContext } from '../layers/context.ts';
import { type LearnerState, passesCheck } from '../pipeline/learner.ts';
import { GLOBAL_SCOPE, LEARNER_KEY, layerWeights, learnerState } from '../pipeline/learner-store.ts';
import { contentText } from '../text/content.ts';
import { QUERY_KINDS, queryKind } from '../text/query-kind.ts';
import {
  type ExplainLine,
  type ExplainResult,
  LAYERS,
  type LayerName,
  type LearningExplained,
  type RecallRequest,
  type RecallResult,
  type UserLearningStats,
} from '../types.ts';
import { feedbackRecord } from './feedback.ts';

function kindWeights(state: LearnerState, kind: (typeof QUERY_KINDS)[number]): Record<LayerName, number> {
  const log = state.kinds[kind]?.logWeights ?? {};
  return Object.fromEntries(LAYERS.map((l) => [l, Math.exp(log[l] ?? 0)])) as Record<LayerName, number>;
}

/** The learning behind recall's weights for this user and question. */
async function learningFor(ctx: EngineContext, userId: string, text: string): Promise<LearningExplained> {
  const kind = queryKind(text);
  const [user, prior, weights] = await Promise.all([
    learnerState(ctx, userId),
    learnerState(ctx, GLOBAL_SCOPE),
    layerWeights(ctx, userId, kind),
  ]);
  const pairs = user.kinds[kind]?.pairs ?? 0;
  const priorEvents = ctx.config.learning.priorEvents;
  return {
    enabled: ctx.config.learning.enabled,
    queryKind: kind,
    weights,
    userWeights: kindWeights(user, kind),
    priorWeights: kindWeights(prior, kind),
    ownShare: priorEvents === 0 ? 1 : pairs / (pairs + priorEvents),
    ratings: user.events,
    useful: user.useful,
    pairs,
    check: {
      ...(user.kinds[kind]?.check ?? { agree: 0, disagree: 0 }),
      applied: passesCheck(user.kinds[kind] ?? { pairs: 0, logWeights: {} }),
    },
    updatedAt: user.updatedAt,
  };
}

/** The explanation of a dry-run recall `result` for `request` (already validated by recall). */
export async function explainRecall(
  ctx: EngineContext,
  request: RecallRequest,
  result: RecallResult,
): Promise<ExplainResult> {
  const last = [...request.messages].reverse().find((m) => m.role === 'user') ?? request.messages.at(-1);
  const learning = await learningFor(ctx, request.userId, last ? contentText(last.content) : '');
  const inBlock = new Set(result.contextIds ?? []);
  const lines: ExplainLine[] = result.memories.map((r, rank) => {
    const f = feedbackRecord(r.memory.metadata);
    const signals: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.signals ?? {})) if (typeof v === 'number') signals[k] = v;
    return {
      rank,
      memory: r.memory,
      inBlock: inBlock.has(r.memory.id),
      score: r.score,
      signals,
      learnedWeight: learning.weights[r.memory.layer],
      feedback: {
        useful: f.useful,
        notUseful: f.notUseful,
        wrong: f.wrong,
        flaggedWrong: !!r.memory.metadata.flaggedWrong,
      },
    };
  });
  return { context: result.context, lines, learning };
}

/** Per-user feedback counts and how far each user's learned weights are from the defaults. */
export async function learningStats(
  ctx: EngineContext,
  userId?: string,
): Promise<{ enabled: boolean; users: UserLearningStats[] }> {
  const ids =
    userId !== undefined ? [userId] : ctx.store.stateUsers ? await ctx.store.stateUsers(LEARNER_KEY) : [];
  const users: UserLearningStats[] = [];
  for (const id of [...new Set(ids)].filter((u) => u !== GLOBAL_SCOPE).sort()) {
    const state = await learnerState(ctx, id);
    if (state.events === 0 && userId === undefined) continue;
    let maxLog = 0;
    let pairs = 0;
    for (const kind of QUERY_KINDS) {
      const k = state.kinds[kind];
      pairs += k?.pairs ?? 0;
      for (const w of Object.values(k?.logWeights ?? {})) maxLog = Math.max(maxLog, Math.abs(w ?? 0));
    }
    users.push({
      userId: id,
      ratings: state.events,
      useful: state.useful,
      pairs,
      maxFactor: Math.round(Math.exp(maxLog) * 1000) / 1000,
      updatedAt: state.updatedAt,
    });
  }
  return { enabled: ctx.config.learning.enabled, users };
}
