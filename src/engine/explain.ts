/**
 * Explain recall: for one message, the block recall would inject now (a dry run: nothing
 * is touched or strengthened), every ranked memory with its score, signals and multipliers,
 * the learned weight of its layer and the ratings it got, and the learner's state behind
 * those weights (the user's own, the shared prior, how much of each, what they were learned
 * from). Also the per-user learning figures of `stats`.
 */
import type { EngineContext } from '../layers/context.ts';
import { LAYER_SHARES } from '../pipeline/format.ts';
import type { Features, FeatureWeights } from '../pipeline/learned-features.ts';
import {
  applies,
  budgetApplies,
  candidateShares,
  candidateWeights,
  checkSummary,
  countedShares,
  effectiveShares,
  effectiveWeights,
  type LayerShares,
  type LearnerCheck,
  type LearnerState,
  type LearningConfig,
  layerMultipliers,
  passesCheck,
} from '../pipeline/learner.ts';
import { GLOBAL_SCOPE, LEARNER_KEY, learnerState } from '../pipeline/learner-store.ts';
import { contentText } from '../text/content.ts';
import { queryKind } from '../text/query-kind.ts';
import type {
  ExplainLine,
  ExplainResult,
  LearningExplained,
  RecallRequest,
  RecallResult,
  UserLearningStats,
} from '../types.ts';
import { feedbackRecord } from './feedback.ts';

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const rounded = (w: FeatureWeights) =>
  Object.fromEntries(Object.entries(w).map(([k, v]) => [k, round(v)])) as FeatureWeights;

const roundedShares = (shares: LayerShares) =>
  Object.fromEntries(Object.entries(shares).map(([k, v]) => [k, round(v)])) as LayerShares;
const roundedCounts = (counts: Partial<Record<string, number>>) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round((v ?? 0) * 100) / 100]));

/** A check as explained: its counts, mean gain and standard error, and whether it (or the prior's) passes. */
function checkOf(
  check: LearnerCheck,
  priorCheck: LearnerCheck,
  config: LearningConfig,
  applied: boolean,
): LearningExplained['check'] {
  const { mean, se } = checkSummary(check);
  return {
    agree: check.better,
    disagree: check.worse,
    messages: check.messages,
    meanGain: round(mean),
    standardError: round(se),
    margin: config.margin,
    passes: passesCheck(check, config),
    priorPasses: passesCheck(priorCheck, config),
    applied,
  };
}

/** How far a user's learned block shares are from the defaults: the largest factor (1 = defaults). */
function budgetFactor(state: LearnerState, config: LearningConfig): number {
  const shares = countedShares(state.budget, config);
  if (!shares) return 1;
  const logs = Object.entries(shares).map(([l, v]) =>
    Math.abs(Math.log(v / LAYER_SHARES[l as keyof LayerShares])),
  );
  return Math.round(Math.exp(Math.max(0, ...logs)) * 1000) / 1000;
}

/** The learning behind recall's weights for this user and question. */
async function learningFor(ctx: EngineContext, userId: string, text: string): Promise<LearningExplained> {
  const kind = queryKind(text);
  const [user, prior] = await Promise.all([learnerState(ctx, userId), learnerState(ctx, GLOBAL_SCOPE)]);
  const config = ctx.config.learning;
  const on = config.enabled;
  const applied = on ? effectiveWeights(user, prior, config) : {};
  const shares = on ? effectiveShares(user, prior, config) : null;
  return {
    enabled: on,
    queryKind: kind,
    weights: layerMultipliers(applied, kind),
    userWeights: layerMultipliers(user.weights, kind),
    priorWeights: layerMultipliers(prior.weights, kind),
    signalWeights: rounded(applied),
    userSignalWeights: rounded(user.weights),
    priorSignalWeights: rounded(prior.weights),
    ownShare: config.priorEvents === 0 ? 1 : user.messages / (user.messages + config.priorEvents),
    ratings: user.events,
    useful: user.useful,
    messages: user.messages,
    pairs: user.pairs,
    check: checkOf(
      user.check,
      prior.check,
      config,
      on && applies(user, prior, config) && Object.keys(candidateWeights(user, prior, config)).length > 0,
    ),
    budget: {
      shares: roundedShares(shares ?? LAYER_SHARES),
      userShares: ((own) => (own ? roundedShares(own) : null))(countedShares(user.budget, config)),
      defaultShares: { ...LAYER_SHARES },
      lines: roundedCounts(user.budget.lines),
      usefulLines: roundedCounts(user.budget.useful),
      check: checkOf(
        user.budgetCheck,
        prior.budgetCheck,
        config,
        on && budgetApplies(user, prior, config) && candidateShares(user, prior, config) !== null,
      ),
    },
    updatedAt: user.updatedAt,
  };
}

/** The explanation of a dry-run recall `result` for `request`; `features` are what recall reported per memory. */
export async function explainRecall(
  ctx: EngineContext,
  request: RecallRequest,
  result: RecallResult,
  features: ReadonlyMap<string, Features> = new Map(),
): Promise<ExplainResult> {
  const last = [...request.messages].reverse().find((m) => m.role === 'user') ?? request.messages.at(-1);
  const learning = await learningFor(ctx, request.userId, last ? contentText(last.content) : '');
  const inBlock = new Set(result.contextIds ?? []);
  const lines: ExplainLine[] = result.memories.map((r, rank) => {
    const f = feedbackRecord(r.memory.metadata);
    const signals: Record<string, number> = {};
    for (const [k, v] of Object.entries(r.signals ?? {})) if (typeof v === 'number') signals[k] = v;
    // What each learned weight adds to this memory's log-score (before the clamp).
    const contributions: Record<string, number> = {};
    for (const [name, value] of Object.entries(features.get(r.memory.id) ?? {})) {
      const w = learning.signalWeights[name] ?? 0;
      if (w !== 0 && value !== 0) contributions[name] = round(w * value);
    }
    return {
      rank,
      memory: r.memory,
      inBlock: inBlock.has(r.memory.id),
      score: r.score,
      signals,
      learnedWeight: signals.learned ?? 1,
      learnedContributions: contributions,
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
  const prior = await learnerState(ctx, GLOBAL_SCOPE);
  const config = ctx.config.learning;
  const users: UserLearningStats[] = [];
  for (const id of [...new Set(ids)].filter((u) => u !== GLOBAL_SCOPE).sort()) {
    const state = await learnerState(ctx, id);
    if (state.events === 0 && userId === undefined) continue;
    const values = Object.values(state.weights);
    const maxLog = Math.max(0, ...values.map(Math.abs));
    users.push({
      userId: id,
      ratings: state.events,
      useful: state.useful,
      messages: state.messages,
      pairs: state.pairs,
      maxFactor: Math.round(Math.exp(maxLog) * 1000) / 1000,
      distance: round(Math.sqrt(values.reduce((acc, w) => acc + w * w, 0))),
      applied: config.enabled && applies(state, prior, config),
      budgetFactor: budgetFactor(state, config),
      budgetApplied:
        config.enabled &&
        budgetApplies(state, prior, config) &&
        candidateShares(state, prior, config) !== null,
      updatedAt: state.updatedAt,
    });
  }
  return { enabled: config.enabled, users };
}
