/**
 * The learner: per-user multiplicative layer weights fitted online from feedback on
 * recalled memories, as a pairwise ranking perceptron. The examples of one message (its
 * useful and not-useful memories, each with its rank in what recall offered, best first)
 * form pairs; a pair of different layers that recall put in the wrong order (a memory
 * rated not useful above one rated useful) moves the useful memory's layer up and the other
 * layer down, by rate divided by the number of pairs of the message, so one message moves
 * any layer by at most rate. Pairs already in the right order teach nothing, and so does a
 * message whose ratings are all alike (a thumbs up on a whole reply): scaling a layer only
 * helps where it reorders useful over useless memories. Log-weights are clamped to
 * [ln minWeight, ln maxWeight]. Weights are kept per kind of question (text/query-kind.ts:
 * 'when' questions and the rest), a contextual bandit over one feature, because date
 * questions are served by dated events and content questions by the turns: one set of
 * weights for both moved episodic up and cost temporal questions. Recall uses the user's weights shrunk toward a global prior
 * by how much ranked feedback of that kind the user has given (pairs / (pairs + priorEvents));
 * the prior is the pair-weighted mean of every user's log-weights, refitted by an all-user
 * consolidation only, so one user's feedback never moves another user's weights online.
 * (A first version moved each layer by its rate of useful ratings against the user's
 * average: on LoCoMo it lowered episodic, whose turns carry the evidence, and cost R@10.)
 *
 * Bounded by a prequential check: before a message is learned from, every pair of it whose
 * two memories are of different layers tests the weights learned so far (do they favour
 * the useful memory's layer, or the other's?). Weights that the user's later ratings
 * contradict more often than they confirm, over at least CHECK_MIN pairs, are not applied
 * (recall falls back to the defaults for that kind of question, and the prior's check sums
 * every user's), so learning cannot keep recall worse than the defaults on the very
 * feedback it is judged by; the counts are in explain and stats.
 * Pure functions; the state is loaded and saved by learner-store.ts.
 */
import type { StrataConfig } from '../config/schema.ts';
import { QUERY_KINDS, type QueryKind } from '../text/query-kind.ts';
import { LAYERS, type LayerName } from '../types.ts';

export type LearningConfig = StrataConfig['learning'];

/** The weights of one kind of question: natural-log multipliers per layer (missing: 0). */
export interface KindWeights {
  /** Misordered pairs learned from (what the shrinkage toward the prior counts). */
  pairs: number;
  logWeights: Partial<Record<LayerName, number>>;
  /** Later pairs the weights, as they were then, favoured rightly (agree) or wrongly (disagree). */
  check?: { agree: number; disagree: number };
}

/** Pairs the check needs before it can switch learned weights off. */
export const CHECK_MIN = 20;
/** A log-weight difference below this favours neither layer. */
const FAVOUR_EPSILON = 1e-6;

/** Whether the prequential check lets these weights be applied. */
export function passesCheck(weights: KindWeights): boolean {
  const { agree, disagree } = weights.check ?? { agree: 0, disagree: 0 };
  return agree + disagree < CHECK_MIN || disagree <= agree;
}

/** One user's learned state (or the global prior), as stored and exported. */
export interface LearnerState {
  /** Rated memories seen. */
  events: number;
  useful: number;
  kinds: Partial<Record<QueryKind, KindWeights>>;
  /** The ratings of the latest message, so a later call for it pairs with them. */
  pending: { messageId: string; kind: QueryKind; items: RankedExample[] } | null;
  updatedAt: string | null;
}

/** One rated memory: its layer, the rating, and its rank in what recall offered (0 = best). */
export interface RankedExample {
  layer: LayerName;
  useful: boolean;
  rank: number;
}

/** Ratings of one message kept for pairing. */
const PENDING_KEPT = 200;

/** The state of a user without feedback. */
export function emptyLearner(): LearnerState {
  return { events: 0, useful: 0, kinds: {}, pending: null, updatedAt: null };
}

const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : 0);

function parseKind(value: unknown): KindWeights {
  const v = (value ?? {}) as { pairs?: unknown; logWeights?: Record<string, unknown> };
  const logWeights: KindWeights['logWeights'] = {};
  for (const layer of LAYERS) {
    const w = v.logWeights?.[layer];
    if (typeof w === 'number' && Number.isFinite(w)) logWeights[layer] = w;
  }
  const c = (v as { check?: { agree?: unknown; disagree?: unknown } }).check;
  return {
    pairs: count(v.pairs),
    logWeights,
    ...(c ? { check: { agree: count(c.agree), disagree: count(c.disagree) } } : {}),
  };
}

/** Reads a stored value leniently: anything malformed counts as no feedback. */
export function parseLearner(value: unknown): LearnerState {
  if (!value || typeof value !== 'object') return emptyLearner();
  const v = value as Record<string, unknown>;
  const kinds: LearnerState['kinds'] = {};
  const raw = (v.kinds ?? {}) as Record<string, unknown>;
  for (const kind of QUERY_KINDS) if (raw[kind]) kinds[kind] = parseKind(raw[kind]);
  const p = v.pending as { messageId?: unknown; kind?: unknown; items?: unknown } | null | undefined;
  const items = Array.isArray(p?.items)
    ? (p.items as RankedExample[]).filter(
        (i) => LAYERS.includes(i?.layer) && typeof i.useful === 'boolean' && typeof i.rank === 'number',
      )
    : [];
  const kind = QUERY_KINDS.find((k) => k === p?.kind) ?? 'other';
  return {
    events: count(v.events),
    useful: count(v.useful),
    kinds,
    pending: typeof p?.messageId === 'string' ? { messageId: p.messageId, kind, items } : null,
    updatedAt: typeof v.updatedAt === 'string' ? v.updatedAt : null,
  };
}

/**
 * The state after the ratings of one call (pure). `messageId` groups calls of one message
 * (useful and not-useful ids usually come in separate calls); without it the call pairs
 * only within itself. `kind` is the kind of the question the memories were recalled for.
 */
export function learn(
  state: LearnerState,
  examples: readonly RankedExample[],
  messageId: string | undefined,
  kind: QueryKind,
  config: LearningConfig,
  at: string,
): LearnerState {
  const current = parseKind(state.kinds[kind]);
  const weights: KindWeights = { pairs: current.pairs, logWeights: { ...current.logWeights } };
  const pending = state.pending;
  const earlier = messageId !== undefined && pending?.messageId === messageId ? pending.items : [];
  const step = new Map<LayerName, number>();
  let pairs = 0;
  const check = { ...(current.check ?? { agree: 0, disagree: 0 }) };
  const seen = [...earlier];
  for (const e of examples) {
    for (const o of seen) {
      if (o.useful === e.useful || o.layer === e.layer) continue;
      const [good, bad] = e.useful ? [e, o] : [o, e];
      // The check first, with the weights as they were before this message.
      const favour = (current.logWeights[good.layer] ?? 0) - (current.logWeights[bad.layer] ?? 0);
      if (favour > FAVOUR_EPSILON) check.agree += 1;
      else if (favour < -FAVOUR_EPSILON) check.disagree += 1;
      if (bad.rank >= good.rank) continue; // already in the right order
      pairs += 1;
      step.set(good.layer, (step.get(good.layer) ?? 0) + 1);
      step.set(bad.layer, (step.get(bad.layer) ?? 0) - 1);
    }
    seen.push(e);
  }
  const lo = Math.log(config.minWeight);
  const hi = Math.log(config.maxWeight);
  for (const [layer, s] of step) {
    const w = (weights.logWeights[layer] ?? 0) + (config.rate * s) / pairs;
    weights.logWeights[layer] = Math.min(hi, Math.max(lo, w));
  }
  weights.pairs += pairs;
  if (check.agree + check.disagree > 0) weights.check = check;
  return {
    events: state.events + examples.length,
    useful: state.useful + examples.filter((e) => e.useful).length,
    kinds: { ...state.kinds, [kind]: weights },
    pending: messageId === undefined ? null : { messageId, kind, items: seen.slice(-PENDING_KEPT) },
    updatedAt: at,
  };
}

/** The multiplier per layer recall applies for a question of `kind`: the user's weights shrunk toward the prior. */
export function effectiveWeights(
  user: LearnerState,
  prior: LearnerState,
  kind: QueryKind,
  config: LearningConfig,
): Record<LayerName, number> {
  const applied = (state: LearnerState): KindWeights => {
    const k = parseKind(state.kinds[kind]);
    return passesCheck(k) ? k : { pairs: k.pairs, logWeights: {} };
  };
  const mine = applied(user);
  const shared = applied(prior);
  const own = config.priorEvents === 0 ? 1 : mine.pairs / (mine.pairs + config.priorEvents);
  const lo = Math.log(config.minWeight);
  const hi = Math.log(config.maxWeight);
  const weights = {} as Record<LayerName, number>;
  for (const layer of LAYERS) {
    const mixed = own * (mine.logWeights[layer] ?? 0) + (1 - own) * (shared.logWeights[layer] ?? 0);
    weights[layer] = Math.exp(Math.min(hi, Math.max(lo, mixed)));
  }
  return weights;
}

/** Every layer at 1: what recall uses with learning off. */
export function neutralWeights(): Record<LayerName, number> {
  return Object.fromEntries(LAYERS.map((layer) => [layer, 1])) as Record<LayerName, number>;
}

/** The global prior: every user's log-weights averaged per kind, weighted by the pairs they learned from. */
export function fitPrior(states: readonly LearnerState[], at: string): LearnerState {
  const prior = emptyLearner();
  prior.updatedAt = at;
  for (const state of states) {
    prior.events += state.events;
    prior.useful += state.useful;
  }
  for (const kind of QUERY_KINDS) {
    const all = states.map((s) => parseKind(s.kinds[kind]));
    const pairs = all.reduce((acc, k) => acc + k.pairs, 0);
    if (pairs === 0) continue;
    const fitted: KindWeights = { pairs, logWeights: {} };
    const agree = all.reduce((acc, k) => acc + (k.check?.agree ?? 0), 0);
    const disagree = all.reduce((acc, k) => acc + (k.check?.disagree ?? 0), 0);
    if (agree + disagree > 0) fitted.check = { agree, disagree };
    for (const layer of LAYERS) {
      const sum = all.reduce((acc, k) => acc + k.pairs * (k.logWeights[layer] ?? 0), 0);
      if (sum !== 0) fitted.logWeights[layer] = sum / pairs;
    }
    prior.kinds[kind] = fitted;
  }
  return prior;
}
