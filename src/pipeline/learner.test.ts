import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { LAYER_SHARES } from './format.ts';
import { layerFeature } from './learned-features.ts';
import {
  applies,
  budgetApplies,
  type Candidate,
  CHECK_MIN,
  countedShares,
  effectiveShares,
  effectiveWeights,
  emptyLearner,
  fitPrior,
  type LearnerState,
  learn,
  messageGain,
  ndcg,
  type PendingMessage,
  parseLearner,
  rerank,
  simulateBlock,
} from './learner.ts';

const config = ConfigSchema.parse({}).learning;
const AT = '2025-01-01T00:00:00.000Z';
const EPI = layerFeature('episodic', 'other');
const SEM = layerFeature('semantic', 'other');

/** A message whose not-useful semantic memory is offered above a useful episodic one. */
function candidates(prefix: string, keywordOfUseful = 1): Candidate[] {
  return [
    { id: `${prefix}-s`, base: 0, features: { [SEM]: 1, keyword: 0 } },
    { id: `${prefix}-e`, base: -0.2, features: { [EPI]: 1, keyword: keywordOfUseful } },
    { id: `${prefix}-x`, base: -1, features: { [SEM]: 1 } },
  ];
}

/** A block with room for one line of LINE tokens: the check counts whether the useful memory is that line. */
const LINE = 30;

/** Rates one message the way a client does: the useful ids, then the not-useful ones. */
function rate(state: LearnerState, id: string, cands: Candidate[], useful: string[], notUseful: string[]) {
  const message = {
    messageId: id,
    kind: 'other' as const,
    candidates: cands,
    tested: state.weights,
    budget: LINE,
    pool: 20,
  };
  let next = learn(
    state,
    useful.map((u) => ({ id: u, useful: true })),
    message,
    config,
    AT,
  );
  next = learn(
    next,
    notUseful.map((n) => ({ id: n, useful: false })),
    { ...message, candidates: [] },
    config,
    AT,
  );
  return next;
}

describe('learner (pairwise logistic regression over ranking signals)', () => {
  it('moves the weights of the signals that tell a useful memory from a useless one', () => {
    const cands = candidates('m1');
    const state = rate(emptyLearner(), 'm1', cands, ['m1-e'], ['m1-s']);
    expect(state.weights[EPI]).toBeGreaterThan(0);
    expect(state.weights[SEM]).toBeLessThan(0);
    expect(state.weights.keyword).toBeGreaterThan(0);
    expect(state).toMatchObject({ events: 2, useful: 1, messages: 1, pairs: 1 });
    // A pair the defaults order right by a wide margin teaches far less than a misordered one.
    const easy: Candidate[] = [
      { id: 'a', base: 0, features: { [EPI]: 1 } },
      { id: 'b', base: -5, features: { [SEM]: 1 } },
    ];
    const learnedEasy = rate(emptyLearner(), 'm2', easy, ['a'], ['b']);
    expect(learnedEasy.weights[EPI]!).toBeLessThan(state.weights[EPI]! / 10);
    // All alike (a thumbs up on a whole reply) or only one side rated: no pair, nothing moves.
    const alike = rate(emptyLearner(), 'm3', cands, ['m1-e', 'm1-s'], []);
    expect(alike.weights).toEqual({});
    expect(alike.pairs).toBe(0);
  });

  it('clamps every weight to [ln minWeight, ln maxWeight]', () => {
    let state = emptyLearner();
    const strong = { ...config, rate: 1, l2: 0 };
    for (let i = 0; i < 200; i++) {
      const message = {
        messageId: `m${i}`,
        kind: 'other' as const,
        candidates: candidates(`m${i}`),
        tested: {},
      };
      state = learn(state, [{ id: `m${i}-e`, useful: true }], message, strong, AT);
      state = learn(state, [{ id: `m${i}-s`, useful: false }], { ...message, candidates: [] }, strong, AT);
    }
    expect(state.weights[EPI]).toBeCloseTo(Math.log(config.maxWeight));
    expect(state.weights[SEM]).toBeCloseTo(Math.log(config.minWeight));
  });

  it('ranks by ln default score + weights·signals, and scores the useful memories by NDCG', () => {
    const cands = candidates('r');
    expect(rerank(cands, {}, config).map((c) => c.id)).toEqual(['r-s', 'r-e', 'r-x']);
    expect(rerank(cands, { [EPI]: 0.5 }, config).map((c) => c.id)).toEqual(['r-e', 'r-s', 'r-x']);
    expect(ndcg(rerank(cands, { [EPI]: 0.5 }, config), { 'r-e': true })).toBe(1);
    expect(ndcg(rerank(cands, {}, config), { 'r-e': true })).toBeCloseTo(1 / Math.log2(3));
  });

  it('the check scores what the block holds: reordering lines inside it gains nothing, bringing a useful line in does', () => {
    const lines = candidates('g').map((c) => ({ ...c, tokens: 30 }));
    const message = (budget: number): PendingMessage => ({
      messageId: 'g',
      kind: 'other',
      candidates: lines,
      labels: { 'g-e': true, 'g-s': false },
      tested: {},
      gain: null,
      testedShares: null,
      budgetGain: null,
      budget,
      pool: 20,
    });
    const up = { [EPI]: 0.5 };
    // Both lines fit: the learned order puts the useful one first (NDCG would gain), the block is the same set.
    expect(ndcg(rerank(lines, up, config), { 'g-e': true })).toBeGreaterThan(
      ndcg(rerank(lines, {}, config), { 'g-e': true }),
    );
    expect(messageGain(message(90), up, config)).toBe(0);
    // One line fits: the default block holds the useless line, the learned one the useful line.
    expect(messageGain(message(30), up, config)).toBe(1);
    expect(messageGain(message(30), { [EPI]: -0.5 }, config)).toBe(0);
  });

  it('applies weights only after CHECK_MIN messages where they beat the defaults (the bound)', () => {
    let state = emptyLearner();
    for (let i = 0; i < CHECK_MIN - 1; i++)
      state = rate(state, `a${i}`, candidates(`a${i}`), [`a${i}-e`], [`a${i}-s`]);
    // Tested and better every time, but not on enough messages yet: the defaults.
    expect(state.check.messages).toBe(CHECK_MIN - 1);
    expect(effectiveWeights(state, emptyLearner(), config)).toEqual({});
    for (let i = 0; i < 5; i++) state = rate(state, `b${i}`, candidates(`b${i}`), [`b${i}-e`], [`b${i}-s`]);
    expect(state.check.better).toBeGreaterThanOrEqual(CHECK_MIN);
    expect(effectiveWeights(state, emptyLearner(), config)[EPI]).toBeGreaterThan(0);
  });

  it('switches learned weights off when later ratings say they rank worse than the defaults', () => {
    let state = emptyLearner();
    for (let i = 0; i < CHECK_MIN + 5; i++)
      state = rate(state, `a${i}`, candidates(`a${i}`), [`a${i}-e`], [`a${i}-s`]);
    expect(applies(state, emptyLearner(), config)).toBe(true);
    // The user's needs turn: semantic memories, ranked first by the defaults, are now the useful
    // ones. The learned weights pull the useless episodic line above them: the check sees it.
    for (let i = 0; i < 60 && applies(state, emptyLearner(), config); i++) {
      const cands: Candidate[] = [
        { id: `c${i}-s`, base: 0, features: { [SEM]: 1 } },
        { id: `c${i}-e`, base: -0.05, features: { [EPI]: 1, keyword: 1 } },
      ];
      state = rate(state, `c${i}`, cands, [`c${i}-s`], [`c${i}-e`]);
    }
    expect(state.check.worse).toBeGreaterThan(0);
    expect(applies(state, emptyLearner(), config)).toBe(false);
    expect(effectiveWeights(state, emptyLearner(), config)).toEqual({});
  });

  it('starts a user with little feedback at the prior, only where the prior passes its check', () => {
    let rich = emptyLearner();
    for (let i = 0; i < CHECK_MIN + 10; i++)
      rich = rate(rich, `a${i}`, candidates(`a${i}`), [`a${i}-e`], [`a${i}-s`]);
    const prior = fitPrior([rich, emptyLearner()], AT);
    expect(prior.weights[EPI]).toBeCloseTo(rich.weights[EPI]!);
    const newcomer = effectiveWeights(emptyLearner(), prior, config);
    expect(newcomer[EPI]).toBeCloseTo(rich.weights[EPI]!);
    // A prior whose summed check fails is never applied.
    const failing = { ...prior, check: { ...prior.check, sum: -prior.check.sum } };
    expect(effectiveWeights(emptyLearner(), failing, config)).toEqual({});
  });

  it("reads a malformed stored state as no feedback, and the first learner's layer weights as layer features", () => {
    expect(parseLearner('x')).toEqual(emptyLearner());
    expect(
      parseLearner({ version: 2, weights: { keyword: 'a', vector: 0.2 }, check: { messages: -3 } }),
    ).toMatchObject({ weights: { vector: 0.2 }, check: { messages: 0 } });
    const old = parseLearner({ kinds: { when: { pairs: 4, logWeights: { temporal: 0.3, episodic: 'x' } } } });
    expect(old.weights).toEqual({ [layerFeature('temporal', 'when')]: 0.3 });
    expect(old.pairs).toBe(4);
    expect(old.check.messages).toBe(0);
  });
});

describe('the learned budget (layer shares of the block)', () => {
  const SEM_LAYER = 'semantic' as const;
  /** Two semantic lines ranked first, an episodic one below; a block of two lines. */
  const offered = (p: string): Candidate[] => [
    { id: `${p}-s1`, base: 0, features: { [SEM]: 1 }, layer: SEM_LAYER, tokens: 30 },
    { id: `${p}-s2`, base: -0.1, features: { [SEM]: 1 }, layer: SEM_LAYER, tokens: 30 },
    { id: `${p}-e`, base: -0.5, features: { [EPI]: 1 }, layer: 'episodic', tokens: 30 },
  ];
  const rateBlock = (state: LearnerState, id: string, useful: string[], notUseful: string[]) => {
    const message = {
      messageId: id,
      kind: 'other' as const,
      candidates: offered(id),
      tested: {},
      testedShares: countedShares(state.budget, config),
      budget: 60,
      pool: 20,
    };
    const rated = [
      ...useful.map((u) => ({ id: `${id}-${u}`, useful: true })),
      ...notUseful.map((n) => ({ id: `${id}-${n}`, useful: false })),
    ];
    return learn(state, rated, message, config, AT);
  };

  it('fills each layer within its share, then the rest in rank order (format.ts rule)', () => {
    const cands = offered('b');
    // Default shares: semantic's cap (25 of 60 tokens) holds no 30-token line, episodic's does.
    expect([...simulateBlock(cands, {}, LAYER_SHARES, 60, 20, config)].sort()).toEqual(['b-e', 'b-s1']);
    const semanticFirst = { ...LAYER_SHARES, semantic: 0.5, episodic: 0.175 };
    expect([...simulateBlock(cands, {}, semanticFirst, 60, 20, config)].sort()).toEqual(['b-s1', 'b-s2']);
  });

  it('moves share to the layer whose lines are useful, applies it once it beats the defaults, and drops it when it stops', () => {
    let state = emptyLearner();
    for (let i = 0; i < 40; i++) state = rateBlock(state, `m${i}`, ['s1', 's2'], ['e']);
    const shares = countedShares(state.budget, config)!;
    expect(shares.semantic).toBeGreaterThan(LAYER_SHARES.semantic);
    expect(shares.episodic).toBeLessThan(LAYER_SHARES.episodic);
    expect(state.budgetCheck.messages).toBeGreaterThanOrEqual(CHECK_MIN);
    expect(state.budgetCheck.better).toBeGreaterThan(0);
    expect(effectiveShares(state, emptyLearner(), config)?.semantic).toBeCloseTo(shares.semantic);
    // A user who never rated anything keeps the default shares (no prior fitted).
    expect(effectiveShares(emptyLearner(), emptyLearner(), config)).toBeNull();
    // Now the episodic line is the useful one: the learned shares leave it out, the check sees it.
    let turned = 0;
    for (; turned < 60 && budgetApplies(state, emptyLearner(), config); turned++)
      state = rateBlock(state, `n${turned}`, ['e'], ['s1', 's2']);
    expect(state.budgetCheck.worse).toBeGreaterThan(0);
    expect(turned).toBeLessThan(60);
    expect(effectiveShares(state, emptyLearner(), config)).toBeNull();
  });

  it('keeps its counts through a stored round trip and sums them into the prior', () => {
    let state = emptyLearner();
    for (let i = 0; i < 5; i++) state = rateBlock(state, `m${i}`, ['s1'], ['e']);
    const stored = parseLearner(JSON.parse(JSON.stringify(state)));
    expect(stored.budget).toEqual(state.budget);
    expect(stored.pending?.candidates[0]).toMatchObject({ layer: 'semantic', tokens: 30 });
    const prior = fitPrior([state, stored], AT);
    expect(prior.budget.lines.semantic).toBeCloseTo(2 * state.budget.lines.semantic!);
  });
});
