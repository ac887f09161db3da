/**
 * The learner: per-user multiplicative layer weights fitted online from feedback on
 * recalled memories. Each rated memory is one example for its layer, y = 1 when useful and
 * 0 otherwise (not useful, wrong); the layer's log-weight moves by rate · (y − p̄), where
 * p̄ is the user's smoothed rate of useful ratings so far. So a layer whose memories help
 * more often than the user's average climbs and one that helps less sinks, while feedback
 * that is uniformly bad (or good) leaves the ranking between layers where it was. Log-
 * weights are clamped to [ln minWeight, ln maxWeight], so a layer can never be scaled by
 * more than those bounds. Recall uses the user's weights shrunk toward a global prior by
 * how much feedback the user has given (events / (events + priorEvents)); the prior is the
 * event-weighted mean of every user's log-weights, refitted by an all-user consolidation
 * only, so one user's feedback never moves another user's weights online.
 * Pure functions; the state is loaded and saved by learner-store.ts.
 */
import type { StrataConfig } from '../config/schema.ts';
import { LAYERS, type LayerName } from '../types.ts';

export type LearningConfig = StrataConfig['learning'];

/** One user's learned state (or the global prior), as stored and exported. */
export interface LearnerState {
  /** Feedback examples (rated memories) learned from. */
  events: number;
  useful: number;
  /** Natural-log multipliers per layer; a missing layer is 0 (weight 1). */
  logWeights: Partial<Record<LayerName, number>>;
  updatedAt: string | null;
}

/** The state of a user without feedback. */
export function emptyLearner(): LearnerState {
  return { events: 0, useful: 0, logWeights: {}, updatedAt: null };
}

/** Reads a stored value leniently: anything malformed counts as no feedback. */
export function parseLearner(value: unknown): LearnerState {
  if (!value || typeof value !== 'object') return emptyLearner();
  const v = value as Record<string, unknown>;
  const logWeights: LearnerState['logWeights'] = {};
  const raw = (v.logWeights ?? {}) as Record<string, unknown>;
  for (const layer of LAYERS) {
    const w = raw[layer];
    if (typeof w === 'number' && Number.isFinite(w)) logWeights[layer] = w;
  }
  const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : 0);
  return {
    events: count(v.events),
    useful: count(v.useful),
    logWeights,
    updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : null,
  };
}

/** One feedback example for one layer. */
export interface LearnerExample {
  layer: LayerName;
  useful: boolean;
}

/** The state after learning from `examples` in order (pure). */
export function learn(
  state: LearnerState,
  examples: readonly LearnerExample[],
  config: LearningConfig,
  at: string,
): LearnerState {
  const next: LearnerState = { ...state, logWeights: { ...state.logWeights }, updatedAt: at };
  const lo = Math.log(config.minWeight);
  const hi = Math.log(config.maxWeight);
  for (const example of examples) {
    // Beta(1,1)-smoothed useful rate before this example: the baseline a layer is compared to.
    const baseline = (next.useful + 1) / (next.events + 2);
    const y = example.useful ? 1 : 0;
    const w = (next.logWeights[example.layer] ?? 0) + config.rate * (y - baseline);
    next.logWeights[example.layer] = Math.min(hi, Math.max(lo, w));
    next.events += 1;
    next.useful += y;
  }
  return next;
}

/** The multiplier per layer recall applies: the user's weights shrunk toward the prior. */
export function effectiveWeights(
  user: LearnerState,
  prior: LearnerState,
  config: LearningConfig,
): Record<LayerName, number> {
  const own = config.priorEvents === 0 ? 1 : user.events / (user.events + config.priorEvents);
  const lo = Math.log(config.minWeight);
  const hi = Math.log(config.maxWeight);
  const weights = {} as Record<LayerName, number>;
  for (const layer of LAYERS) {
    const mixed = own * (user.logWeights[layer] ?? 0) + (1 - own) * (prior.logWeights[layer] ?? 0);
    weights[layer] = Math.exp(Math.min(hi, Math.max(lo, mixed)));
  }
  return weights;
}

/** Every layer at 1: what recall uses with learning off. */
export function neutralWeights(): Record<LayerName, number> {
  return Object.fromEntries(LAYERS.map((layer) => [layer, 1])) as Record<LayerName, number>;
}

/** The global prior: every user's log-weights averaged, weighted by their feedback events. */
export function fitPrior(states: readonly LearnerState[], at: string): LearnerState {
  const prior = emptyLearner();
  prior.updatedAt = at;
  for (const state of states) {
    prior.events += state.events;
    prior.useful += state.useful;
  }
  if (prior.events === 0) return prior;
  for (const layer of LAYERS) {
    let sum = 0;
    for (const state of states) sum += state.events * (state.logWeights[layer] ?? 0);
    if (sum !== 0) prior.logWeights[layer] = sum / prior.events;
  }
  return prior;
}
