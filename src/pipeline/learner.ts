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
 * The bound is a prequential test on the block: when a message's ratings arrive, before
 * anything is learned from them, the candidates recall offered for it are ranked by the
 * weights as they were then and by the defaults, a block of the default budget is filled
 * from each (simulateBlock: format.ts's rule on the candidates' line costs), and the gain is
 * the share of the message's useful memories the learned block holds less the share the
 * default block holds (unrated candidates count as not useful, so the test is conservative).
 * Reordering lines inside the block gains nothing, as it gains nothing for the reply: the
 * earlier NDCG-over-all-candidates test rewarded exactly that, and its gains did not carry
 * over to later questions. Recall applies learned weights only once they have been tested on
 * CHECK_MIN messages and their mean gain, less learning.confidence standard errors (1.645:
 * one-sided 95 %), is above learning.margin; otherwise the defaults. The gains are averaged
 * with a decay, so weights that stop helping are switched off again.
 *
 * The learned budget: per layer, decayed counts of rated lines and useful ones give the
 * layer's useful rate, smoothed toward the overall rate by BUDGET_PRIOR lines (a beta
 * prior); a layer's block share is its default share (format.ts LAYER_SHARES) times its rate
 * over the overall one, clamped to [minWeight, maxWeight]. It has its own check, the same
 * test with the default ranking and the learned shares against the default shares, and is
 * applied to the block on its own when that check passes.
 *
 * A user with fewer tested messages gets the shared prior
 * (the message-weighted mean of every user's weights, and the sum of every user's budget
 * counts, refitted by an all-user
 * consolidation only, so one user's feedback never moves another's online) where the
 * prior's check, summed over users, passes; a user's own weights mix in by
 * messages / (messages + priorEvents). Pure functions; learner-store.ts loads and saves.
 */
import type { StrataConfig } from '../config/schema.ts';
import { QUERY_KINDS, type QueryKind } from '../text/query-kind.ts';
import { LAYERS, type LayerName } from '../types.ts';
import { LAYER_SHARES } from './format.ts';
import { dot, type Features, type FeatureWeights, layerFeature } from './learned-features.ts';

export type LearningConfig = StrataConfig['learning'];

/** Tested messages the check needs before learned weights can be applied. */
export const CHECK_MIN = 20;
/** Per message, how much of the check's earlier evidence is kept (a window of ~50 messages). */
const CHECK_DECAY = 0.98;
/** Candidates of one message kept for pairing and testing. */
const CANDIDATES_KEPT = 80;
/** A line's cost in tokens when a candidate does not say (an older stored state). */
const LINE_TOKENS = 30;
/** The block budget and candidate pool the check simulates when a message does not say. */
const BLOCK_TOKENS = 760;
const BLOCK_POOL = 20;
/** Rated lines of each layer's smoothing toward the overall useful rate (the budget's prior). */
const BUDGET_PRIOR = 20;
/** Rated lines the budget needs before it moves a layer's share. */
const BUDGET_MIN_LINES = 40;
/** Per message, how much of the budget's earlier counts is kept. */
const BUDGET_DECAY = 0.99;

/** One candidate recall offered for a message: its id, ln of its default score, its features, and its line. */
export interface Candidate {
  id: string;
  base: number;
  features: Features;
  /** Its layer (read from the layer feature when absent). */
  layer?: LayerName;
  /** What its block line costs, in tokens. */
  tokens?: number;
}

/** Per layer shares of the block's token budget (format.ts LAYER_SHARES; normalized over the layers present). */
export type LayerShares = Record<LayerName, number>;

/** The learned budget's evidence: per layer, decayed counts of rated lines and of useful ones. */
export interface BudgetCounts {
  lines: Partial<Record<LayerName, number>>;
  useful: Partial<Record<LayerName, number>>;
}

/** The prequential check: decayed sums of per-message gains (useful memories held by the simulated block) of learned over default. */
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
  /** The learned layer shares (before their gate) when the message arrived, null while the budget has too few lines; and their gain. */
  testedShares: LayerShares | null;
  budgetGain: number | null;
  /** The block the check simulates: its token budget and how many ranked candidates it is filled from. */
  budget: number;
  pool: number;
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
  /** The learned budget: rated lines per layer, and its own check (layer shares against the default shares). */
  budget: BudgetCounts;
  budgetCheck: LearnerCheck;
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
    budget: { lines: {}, useful: {} },
    budgetCheck: emptyCheck(),
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

function parseLayerCounts(value: unknown): Partial<Record<LayerName, number>> {
  const raw = numbers(value);
  const out: Partial<Record<LayerName, number>> = {};
  for (const layer of LAYERS) if (raw[layer] !== undefined && raw[layer]! >= 0) out[layer] = raw[layer];
  return out;
}

function parseShares(value: unknown): LayerShares | null {
  const raw = numbers(value);
  if (!LAYERS.every((l) => (raw[l] ?? -1) > 0)) return null;
  return Object.fromEntries(LAYERS.map((l) => [l, raw[l]!])) as LayerShares;
}

function parsePending(value: unknown): PendingMessage | null {
  const p = value as Record<string, unknown> | null | undefined;
  if (!p || typeof p.messageId !== 'string') return null;
  const candidates = Array.isArray(p.candidates)
    ? (p.candidates as Array<Record<string, unknown>>)
        .filter((c) => typeof c?.id === 'string' && typeof c.base === 'number' && Number.isFinite(c.base))
        .map((c) => {
          const candidate: Candidate = {
            id: c.id as string,
            base: c.base as number,
            features: numbers(c.features),
          };
          const layer = LAYERS.find((l) => l === c.layer);
          if (layer) candidate.layer = layer;
          if (typeof c.tokens === 'number' && c.tokens > 0 && Number.isFinite(c.tokens))
            candidate.tokens = c.tokens;
          return candidate;
        })
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
    testedShares: parseShares(p.testedShares),
    budgetGain: typeof p.budgetGain === 'number' && Number.isFinite(p.budgetGain) ? p.budgetGain : null,
    budget: typeof p.budget === 'number' && p.budget > 0 ? p.budget : BLOCK_TOKENS,
    pool: typeof p.pool === 'number' && p.pool >= 1 ? Math.floor(p.pool) : BLOCK_POOL,
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
    const budget = (v.budget ?? {}) as Record<string, unknown>;
    state.budget = { lines: parseLayerCounts(budget.lines), useful: parseLayerCounts(budget.useful) };
    state.budgetCheck = parseCheck(v.budgetCheck);
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

/** A candidate's layer: its own field, else its layer feature's. */
export function candidateLayer(c: Candidate): LayerName | undefined {
  if (c.layer) return c.layer;
  for (const name of Object.keys(c.features)) {
    const m = /^layer:([a-z]+)@/.exec(name);
    const layer = LAYERS.find((l) => l === m?.[1]);
    if (layer) return layer;
  }
  return undefined;
}

/**
 * The ids a block would hold (pure; format.ts buildContextBlock's rule on the candidates'
 * line costs): the first `pool` candidates ranked by `weights`, filled in rank order within
 * each layer's share of `budget` tokens, then what the layers left unused in rank order.
 */
export function simulateBlock(
  candidates: readonly Candidate[],
  weights: FeatureWeights,
  shares: LayerShares,
  budget: number,
  pool: number,
  config: LearningConfig,
): Set<string> {
  const ranked = rerank(candidates, weights, config).slice(0, pool);
  const layerOf = (c: Candidate) => candidateLayer(c) ?? 'episodic';
  const present = [...new Set(ranked.map(layerOf))];
  const shareSum = present.reduce((acc, l) => acc + shares[l], 0);
  const used = new Map<LayerName, number>();
  const chosen = new Set<string>();
  let total = 0;
  for (const capped of [true, false]) {
    for (const c of ranked) {
      if (chosen.has(c.id)) continue;
      const cost = c.tokens ?? LINE_TOKENS;
      const layer = layerOf(c);
      const layerUsed = used.get(layer) ?? 0;
      if (capped && layerUsed + cost > (budget * shares[layer]) / shareSum) continue;
      if (total + cost > budget) continue;
      chosen.add(c.id);
      used.set(layer, layerUsed + cost);
      total += cost;
    }
  }
  return chosen;
}

/**
 * The gain of a ranking (`weights`) and a budget (`shares`) over the defaults on one rated
 * message, in what the block is for: the share of the message's useful memories that the
 * simulated block holds, learned minus default (unrated candidates count as not useful).
 * A message rated without a query has only its rated memories as candidates, in `recalled`
 * order and without line costs: there is no block to simulate, and its gain is the NDCG of
 * the useful ones in that order. Null while the message has no useful and not-useful rating both.
 */
export function messageGain(
  message: PendingMessage,
  weights: FeatureWeights,
  config: LearningConfig,
  shares: LayerShares = LAYER_SHARES,
): number | null {
  const useful = Object.entries(message.labels)
    .filter(([, u]) => u)
    .map(([id]) => id);
  if (useful.length === 0 || useful.length === Object.keys(message.labels).length) return null;
  if (!message.candidates.every((c) => c.tokens !== undefined))
    return (
      ndcg(rerank(message.candidates, weights, config), message.labels) -
      ndcg(rerank(message.candidates, {}, config), message.labels)
    );
  const held = (w: FeatureWeights, s: LayerShares) => {
    const block = simulateBlock(message.candidates, w, s, message.budget, message.pool, config);
    return useful.filter((id) => block.has(id)).length / useful.length;
  };
  return held(weights, shares) - held({}, LAYER_SHARES);
}

/**
 * The layer shares the budget's counts give (null while it has fewer than BUDGET_MIN_LINES
 * rated lines): each layer's default share times its useful rate over the overall one, the
 * rate smoothed toward the overall by BUDGET_PRIOR lines (a beta prior), the factor clamped
 * to [minWeight, maxWeight].
 */
export function countedShares(budget: BudgetCounts, config: LearningConfig): LayerShares | null {
  const lines = LAYERS.reduce((acc, l) => acc + (budget.lines[l] ?? 0), 0);
  if (lines < BUDGET_MIN_LINES) return null;
  const useful = LAYERS.reduce((acc, l) => acc + (budget.useful[l] ?? 0), 0);
  const overall = (useful + 1) / (lines + 2);
  return Object.fromEntries(
    LAYERS.map((l) => {
      const rate =
        ((budget.useful[l] ?? 0) + BUDGET_PRIOR * overall) / ((budget.lines[l] ?? 0) + BUDGET_PRIOR);
      const factor = Math.min(config.maxWeight, Math.max(config.minWeight, rate / overall));
      return [l, LAYER_SHARES[l] * factor];
    }),
  ) as LayerShares;
}

/** The user's layer shares mixed with the prior's (where the prior's budget check passes), before the user's gate. */
export function candidateShares(
  user: LearnerState,
  prior: LearnerState,
  config: LearningConfig,
): LayerShares | null {
  const mine = countedShares(user.budget, config);
  const shared = passesCheck(prior.budgetCheck, config) ? countedShares(prior.budget, config) : null;
  if (!mine && !shared) return null;
  const own = !shared
    ? 1
    : !mine
      ? 0
      : config.priorEvents === 0
        ? 1
        : user.messages / (user.messages + config.priorEvents);
  // Mixed in log space, as the weights are.
  return Object.fromEntries(
    LAYERS.map((l) => {
      const a = Math.log((mine ?? LAYER_SHARES)[l] / LAYER_SHARES[l]);
      const b = Math.log((shared ?? LAYER_SHARES)[l] / LAYER_SHARES[l]);
      return [l, LAYER_SHARES[l] * Math.exp(own * a + (1 - own) * b)];
    }),
  ) as LayerShares;
}

/** Whether recall applies the learned budget for this user: the user's own budget check once tested enough, else the prior's. */
export function budgetApplies(user: LearnerState, prior: LearnerState, config: LearningConfig): boolean {
  return ownOrPrior(user.budgetCheck, prior.budgetCheck, config);
}

/** The layer shares recall's block uses (null = the defaults, LAYER_SHARES). */
export function effectiveShares(
  user: LearnerState,
  prior: LearnerState,
  config: LearningConfig,
): LayerShares | null {
  return budgetApplies(user, prior, config) ? candidateShares(user, prior, config) : null;
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
  return ownOrPrior(user.check, prior.check, config);
}

/** The user's own check once it has been tested enough, else the prior's. */
function ownOrPrior(own: LearnerCheck, prior: LearnerCheck, config: LearningConfig): boolean {
  return passesCheck(own.messages >= CHECK_MIN ? own : prior, config);
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
    /** The learned shares (before the gate) when the message arrived; null or absent: none yet. */
    testedShares?: LayerShares | null;
    /** The block's token budget and candidate pool (recall.maxTokens less the frame, recall.k). */
    budget?: number;
    pool?: number;
  },
  config: LearningConfig,
  at: string,
): LearnerState {
  const next: LearnerState = {
    ...state,
    weights: { ...state.weights },
    check: { ...state.check },
    budget: { lines: { ...state.budget.lines }, useful: { ...state.budget.useful } },
    budgetCheck: { ...state.budgetCheck },
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
        testedShares: message.testedShares ?? null,
        budgetGain: null,
        budget: message.budget ?? BLOCK_TOKENS,
        pool: message.pool ?? BLOCK_POOL,
      };
  const byId = new Map(pending.candidates.map((c) => [c.id, c]));
  const fresh = rated.filter((r) => byId.has(r.id) && pending.labels[r.id] !== r.useful);
  const earlier = Object.entries(pending.labels);
  if (!same) {
    for (const layer of LAYERS) {
      if (next.budget.lines[layer] !== undefined) next.budget.lines[layer]! *= BUDGET_DECAY;
      if (next.budget.useful[layer] !== undefined) next.budget.useful[layer]! *= BUDGET_DECAY;
    }
  }
  for (const r of fresh) {
    // The budget counts each rated line once per message (a changed rating moves its useful count).
    const layer = candidateLayer(byId.get(r.id)!);
    if (layer) {
      const before = pending.labels[r.id];
      if (before === undefined) next.budget.lines[layer] = (next.budget.lines[layer] ?? 0) + 1;
      const delta = (r.useful ? 1 : 0) - (before === true ? 1 : 0);
      next.budget.useful[layer] = Math.max(0, (next.budget.useful[layer] ?? 0) + delta);
    }
    pending.labels[r.id] = r.useful;
  }

  // The tests first, with the weights and shares as they were when the message arrived.
  const gain = messageGain(pending, pending.tested, config);
  if (gain !== null) pending.gain = record(next.check, gain, pending.gain);
  // The budget is tested only where the block can be simulated (candidates with line costs).
  if (pending.testedShares && pending.candidates.every((c) => c.tokens !== undefined)) {
    const budgetGain = messageGain(pending, {}, config, pending.testedShares);
    if (budgetGain !== null) pending.budgetGain = record(next.budgetCheck, budgetGain, pending.budgetGain);
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

/** Adds a message's gain to a check (in place), replacing its earlier gain if it had one; returns the gain. */
function record(c: LearnerCheck, gain: number, earlier: number | null): number {
  if (earlier === null) {
    c.n = c.n * CHECK_DECAY + 1;
    c.sum = c.sum * CHECK_DECAY + gain;
    c.sumSq = c.sumSq * CHECK_DECAY + gain * gain;
    c.messages += 1;
  } else {
    c.sum += gain - earlier;
    c.sumSq += gain * gain - earlier * earlier;
    c.better -= earlier > 0 ? 1 : 0;
    c.worse -= earlier < 0 ? 1 : 0;
  }
  c.better += gain > 0 ? 1 : 0;
  c.worse += gain < 0 ? 1 : 0;
  return gain;
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
    for (const key of ['messages', 'better', 'worse', 'n', 'sum', 'sumSq'] as const) {
      prior.check[key] += s.check[key];
      prior.budgetCheck[key] += s.budgetCheck[key];
    }
    for (const layer of LAYERS) {
      for (const key of ['lines', 'useful'] as const) {
        const v = s.budget[key][layer];
        if (v !== undefined) prior.budget[key][layer] = (prior.budget[key][layer] ?? 0) + v;
      }
    }
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
