/**
 * The learner: per-user weights θ over the ranking function's signals (learned-features.ts:
 * layer per kind of question, relevance, vector and keyword scores, recency, importance,
 * reinforcement, the layers' factors; not recency, see there), fitted online from feedback by pairwise logistic
 * regression (RankNet): for a useful memory u and a not-useful one n rated for the same
 * message, P(u above n) = σ(ln s_u − ln s_n + θ·(φ_u − φ_n)) with s the default score, and
 * each rating call takes one gradient step on the mean log-loss of its new pairs, so a pair
 * the defaults already order with a wide margin teaches little and a misordered one the
 * most. An L2 pull toward θ = 0 (the defaults) at every message keeps weights that the
 * feedback stops supporting fading back; each weight is clamped to [ln minWeight,
 * ln maxWeight] and so is the total log-multiplier of a memory.
 *
 * The bound is a prequential test on re-ranking: when a message's ratings arrive, before
 * anything is learned from them, the candidates recall offered for it are re-ranked by the
 * weights as they were then and by the defaults, and the NDCG of the useful memories among
 * all candidates (unrated ones count as not useful, so the test is conservative) is
 * compared. Recall applies learned weights only once they have been tested on CHECK_MIN
 * messages and their mean gain, less learning.confidence standard errors (1.645: one-sided
 * 95 %), is above learning.margin;
 * otherwise the defaults. The gains are averaged with a decay, so weights that stop
 * helping are switched off again. A user with fewer tested messages gets the shared prior
 * (the message-weighted mean of every user's weights, refitted by an all-user
 * consolidation only, so one user's feedback never moves another's online) where the
 * prior's check, summed over users, passes; a user's own weights mix in by
 * messages / (messages + priorEvents). Pure functions; learner-store.ts loads and saves.
 */
import type { StrataConfig } from '../config/schema.ts';
import { QUERY_KINDS, type QueryKind } from '../text/query-kind.ts';
import { LAYERS, type LayerName } from '../types.ts';
import { dot, type Features, type FeatureWeights, layerFeature } from './learned-features.ts';

export type LearningConfig = StrataConfig['learning'];

/** Tested messages the check needs before learned weights can be applied. */
export const CHECK_MIN = 20;
/** Per message, how much of the check's earlier evidence is kept (a window of ~50 messages). */
const CHECK_DECAY = 0.98;
/** Candidates of one message kept for pairing and testing. */
const CANDIDATES_KEPT = 80;

/** One candidate recall offered for a message: its id, ln of its default score, its features. */
export interface Candidate {
  id: string;
  base: number;
  features: Features;
}

/** The prequential check: decayed sums of per-message NDCG gains of learned over default ranking. */
export interface LearnerCheck {
  /** Tested messages (not decayed). */
  messages: number;
  /** Messages where the learned ranking was better / worse than the default one. */
  better: number;
  worse: number;
  /** Decayed count, sum and sum of squares of the gains. */
  n: number;
  sum: number;
  sumSq: number;
}

/** The message being rated: its candidates, the labels so far and the weights it tests. */
export interface PendingMessage {
  messageId: string;
  kind: QueryKind;
  candidates: Candidate[];
  /** Memory id → useful (true) or not (false). */
  labels: Record<string, boolean>;
  /** The effective weights (before the gate) when the message arrived: what its ratings test. */
  tested: FeatureWeights;
  /** Its gain as last added to the check (replaced when more ratings of it arrive). */
  gain: number | null;
}

/** One user's learned state (or the global prior), as stored and exported. */
export interface LearnerState {
  version: 2;
  /** Rated memories seen, useful ones. */
  events: number;
  useful: number;
  /** Messages with pairs learned from, and the pairs. */
  messages: number;
  pairs: number;
  weights: FeatureWeights;
  check: LearnerCheck;
  pending: PendingMessage | null;
  updatedAt: string | null;
}

/** One rated memory of a feedback call. */
export interface RatedExample {
  id: string;
  useful: boolean;
}

export function emptyCheck(): LearnerCheck {
  return { messages: 0, better: 0, worse: 0, n: 0, sum: 0, sumSq: 0 };
}

/** The state of a user without feedback. */
export function emptyLearner(): LearnerState {
  return {
    version: 2,
    events: 0,
    useful: 0,
    messages: 0,
    pairs: 0,
    weights: {},
    check: emptyCheck(),
    pending: null,
    updatedAt: null,
  };
}

const count = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : 0);
const finite = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);

function numbers(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (!value || typeof value !== 'object') return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}

function parseCheck(value: unknown): LearnerCheck {
  const v = (value ?? {}) as Record<string, unknown>;
  return {
    messages: count(v.messages),
    better: count(v.better),
    worse: count(v.worse),
    n: count(v.n),
    sum: finite(v.sum),
    sumSq: count(v.sumSq),
  };
}

function parsePending(value: unknown): PendingMessage | null {
  const p = value as Record<string, unknown> | null | undefined;
  if (!p || typeof p.messageId !== 'string') return null;
  const candidates = Array.isArray(p.candidates)
    ? (p.candidates as Array<Record<string, unknown>>)
        .filter((c) => typeof c?.id === 'string' && typeof c.base === 'number' && Number.isFinite(c.base))
        .map((c) => ({ id: c.id as string, base: c.base as number, features: numbers(c.features) }))
    : [];
  const labels: Record<string, boolean> = {};
  for (const [k, v] of Object.entries((p.labels ?? {}) as Record<string, unknown>))
    if (typeof v === 'boolean') labels[k] = v;
  return {
    messageId: p.messageId,
    kind: QUERY_KINDS.find((k) => k === p.kind) ?? 'other',
    candidates,
    labels,
    tested: numbers(p.tested),
    gain: typeof p.gain === 'number' && Number.isFinite(p.gain) ? p.gain : null,
  };
}

/**
 * Reads a stored value leniently: anything malformed counts as no feedback. A state of the
 * first learner (per-kind layer log-weights) becomes the layer features' weights, untested.
 */
export function parseLearner(value: unknown): LearnerState {
  if (!value || typeof value !== 'object') return emptyLearner();
  const v = value as Record<string, unknown>;
  const state = emptyLearner();
  state.events = count(v.events);
  state.useful = count(v.useful);
  state.updatedAt = typeof v.updatedAt === 'string' ? v.updatedAt : null;
  if (v.version === 2) {
    state.messages = count(v.messages);
    state.pairs = count(v.pairs);
    state.weights = numbers(v.weights);
    state.check = parseCheck(v.check);
    state.pending = parsePending(v.pending);
    return state;
  }
  const kinds = (v.kinds ?? {}) as Record<string, { pairs?: unknown; logWeights?: unknown }>;
  for (const kind of QUERY_KINDS) {
    state.pairs += count(kinds[kind]?.pairs);
    const logs = numbers(kinds[kind]?.logWeights);
    for (const layer of LAYERS)
      if (logs[layer] !== undefined) state.weights[layerFeature(layer, kind)] = logs[layer];
  }
  return state;
}

/** Ranks candidates by ln default score + θ·φ (clamped), best first; ties keep recall's order. */
export function rerank(
  candidates: readonly Candidate[],
  weights: FeatureWeights,
  config: LearningConfig,
): Candidate[] {
  const lo = Math.log(config.minWeight);
  const hi = Math.log(config.maxWeight);
  const scored = candidates.map((c, i) => ({
    c,
    i,
    s: c.base + Math.min(hi, Math.max(lo, dot(weights, c.features))),
  }));
  return scored.sort((a, b) => b.s - a.s || a.i - b.i).map((x) => x.c);
}

/** NDCG of the useful memories in a ranking (binary gains; unrated and not useful count 0). */
export function ndcg(ranking: readonly Candidate[], labels: Readonly<Record<string, boolean>>): number {
  let dcg = 0;
  let useful = 0;
  ranking.forEach((c, rank) => {
    if (labels[c.id] === true) {
      dcg += 1 / Math.log2(rank + 2);
      useful += 1;
    }
  });
  let ideal = 0;
  for (let rank = 0; rank < useful; rank++) ideal += 1 / Math.log2(rank + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

/** The gain of `weights` over the defaults on one rated message; null while it has no pair. */
export function messageGain(
  message: PendingMessage,
  weights: FeatureWeights,
  config: LearningConfig,
): number | null {
  const known = message.candidates.filter((c) => message.labels[c.id] !== undefined);
  if (!known.some((c) => message.labels[c.id]) || !known.some((c) => !message.labels[c.id])) return null;
  return (
    ndcg(rerank(message.candidates, weights, config), message.labels) -
    ndcg(rerank(message.candidates, {}, config), message.labels)
  );
}

/** The check's mean gain and its standard error. */
export function checkSummary(check: LearnerCheck): { mean: number; se: number } {
  if (check.n <= 0) return { mean: 0, se: 0 };
  const mean = check.sum / check.n;
  const variance = Math.max(0, check.sumSq / check.n - mean * mean);
  return { mean, se: Math.sqrt(variance / check.n) };
}

/** Whether the check lets learned weights be applied: tested enough, and better than the defaults by the margin, with confidence. */
export function passesCheck(check: LearnerCheck, config: LearningConfig): boolean {
  if (check.messages < CHECK_MIN) return false;
  const { mean, se } = checkSummary(check);
  return mean - config.confidence * se > config.margin;
}

/** The user's weights mixed with the prior's (where the prior passes its check), before the user's gate. */
export function candidateWeights(
  user: LearnerState,
  prior: LearnerState,
  config: LearningConfig,
): FeatureWeights {
  const own = config.priorEvents === 0 ? 1 : user.messages / (user.messages + config.priorEvents);
  const shared = passesCheck(prior.check, config) ? prior.weights : {};
  const out: FeatureWeights = {};
  for (const name of new Set([...Object.keys(user.weights), ...Object.keys(shared)])) {
    const w = own * (user.weights[name] ?? 0) + (1 - own) * (shared[name] ?? 0);
    if (w !== 0) out[name] = w;
  }
  return out;
}

/** Whether recall applies learned weights for this user: the user's own check once tested enough, else the prior's. */
export function applies(user: LearnerState, prior: LearnerState, config: LearningConfig): boolean {
  return user.check.messages >= CHECK_MIN
    ? passesCheck(user.check, config)
    : passesCheck(prior.check, config);
}

/** The weights recall applies (empty = the defaults). */
export function effectiveWeights(
  user: LearnerState,
  prior: LearnerState,
  config: LearningConfig,
): FeatureWeights {
  return applies(user, prior, config) ? candidateWeights(user, prior, config) : {};
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * The state after the ratings of one feedback call (pure). `messageId` groups the calls of
 * one message (useful and not-useful ids usually come apart); `candidates` are what recall
 * offered for it (only read when the message is new); `tested` the effective weights before
 * the gate, which the message's ratings test.
 */
export function learn(
  state: LearnerState,
  rated: readonly RatedExample[],
  message: {
    messageId: string | undefined;
    kind: QueryKind;
    candidates: readonly Candidate[];
    tested: FeatureWeights;
  },
  config: LearningConfig,
  at: string,
): LearnerState {
  const next: LearnerState = {
    ...state,
    weights: { ...state.weights },
    check: { ...state.check },
    events: state.events + rated.length,
    useful: state.useful + rated.filter((r) => r.useful).length,
    updatedAt: at,
  };
  const same = message.messageId !== undefined && state.pending?.messageId === message.messageId;
  const pending: PendingMessage = same
    ? {
        ...state.pending!,
        labels: { ...state.pending!.labels },
        candidates: merge(state.pending!.candidates, message.candidates),
      }
    : {
        messageId: message.messageId ?? '',
        kind: message.kind,
        candidates: message.candidates.slice(0, CANDIDATES_KEPT),
        labels: {},
        tested: message.tested,
        gain: null,
      };
  const byId = new Map(pending.candidates.map((c) => [c.id, c]));
  const fresh = rated.filter((r) => byId.has(r.id) && pending.labels[r.id] !== r.useful);
  const earlier = Object.entries(pending.labels);
  for (const r of fresh) pending.labels[r.id] = r.useful;

  // The test first, with the weights as they were when the message arrived.
  const gain = messageGain(pending, pending.tested, config);
  if (gain !== null) {
    const c = next.check;
    if (pending.gain === null) {
      c.n = c.n * CHECK_DECAY + 1;
      c.sum = c.sum * CHECK_DECAY + gain;
      c.sumSq = c.sumSq * CHECK_DECAY + gain * gain;
      c.messages += 1;
    } else {
      c.sum += gain - pending.gain;
      c.sumSq += gain * gain - pending.gain * pending.gain;
      c.better -= pending.gain > 0 ? 1 : 0;
      c.worse -= pending.gain < 0 ? 1 : 0;
    }
    c.better += gain > 0 ? 1 : 0;
    c.worse += gain < 0 ? 1 : 0;
    pending.gain = gain;
  }

  // Then one gradient step on the new pairs: a fresh rating against the opposite ratings so far.
  const pairs: Array<[Candidate, Candidate]> = [];
  const labelled = [...earlier.filter(([id]) => !fresh.some((r) => r.id === id))];
  for (const r of fresh) {
    for (const [id, useful] of labelled) {
      if (useful === r.useful) continue;
      const a = byId.get(r.id)!;
      const b = byId.get(id)!;
      pairs.push(r.useful ? [a, b] : [b, a]);
    }
    labelled.push([r.id, r.useful]);
  }
  if (pairs.length > 0) {
    const firstPairs = !hadPairs(state.pending, same);
    if (firstPairs) {
      next.messages += 1;
      // The pull toward the defaults, once per message.
      for (const name of Object.keys(next.weights)) next.weights[name]! *= 1 - config.rate * config.l2;
    }
    next.pairs += pairs.length;
    const step: Record<string, number> = {};
    for (const [good, bad] of pairs) {
      const d: Features = { ...good.features };
      for (const [name, value] of Object.entries(bad.features)) d[name] = (d[name] ?? 0) - value;
      const margin = good.base - bad.base + dot(state.weights, d);
      const pull = 1 - sigmoid(margin);
      for (const [name, value] of Object.entries(d))
        if (value !== 0) step[name] = (step[name] ?? 0) + pull * value;
    }
    const lo = Math.log(config.minWeight);
    const hi = Math.log(config.maxWeight);
    for (const [name, s] of Object.entries(step)) {
      const w = (next.weights[name] ?? 0) + (config.rate * s) / pairs.length;
      next.weights[name] = Math.min(hi, Math.max(lo, w));
    }
  }
  next.pending = message.messageId === undefined ? null : pending;
  return next;
}

/** Candidates of a message so far and new ones (a later call may rate memories it had not seen). */
function merge(known: readonly Candidate[], more: readonly Candidate[]): Candidate[] {
  const ids = new Set(known.map((c) => c.id));
  return [...known, ...more.filter((c) => !ids.has(c.id))].slice(0, CANDIDATES_KEPT * 2);
}

/** Whether the pending message (if it is the same) already gave pairs. */
function hadPairs(pending: PendingMessage | null, same: boolean): boolean {
  if (!same || !pending) return false;
  const values = Object.values(pending.labels);
  return values.includes(true) && values.includes(false);
}

/** The global prior: every user's weights averaged, weighted by the messages they learned from; checks summed. */
export function fitPrior(states: readonly LearnerState[], at: string): LearnerState {
  const prior = emptyLearner();
  prior.updatedAt = at;
  for (const s of states) {
    prior.events += s.events;
    prior.useful += s.useful;
    prior.messages += s.messages;
    prior.pairs += s.pairs;
    for (const key of ['messages', 'better', 'worse', 'n', 'sum', 'sumSq'] as const)
      prior.check[key] += s.check[key];
  }
  if (prior.messages === 0) return prior;
  for (const s of states) {
    for (const [name, w] of Object.entries(s.weights))
      prior.weights[name] = (prior.weights[name] ?? 0) + (s.messages * w) / prior.messages;
  }
  return prior;
}

/** The multiplier per layer that layer features alone give for a kind of question (what explain lists per line). */
export function layerMultipliers(weights: FeatureWeights, kind: QueryKind): Record<LayerName, number> {
  return Object.fromEntries(LAYERS.map((l) => [l, Math.exp(weights[layerFeature(l, kind)] ?? 0)])) as Record<
    LayerName,
    number
  >;
}

/** Every layer at 1: what recall uses with learning off. */
export function neutralWeights(): Record<LayerName, number> {
  return Object.fromEntries(LAYERS.map((layer) => [layer, 1])) as Record<LayerName, number>;
}
