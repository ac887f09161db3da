import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { layerFeature } from './learned-features.ts';
import {
  applies,
  type Candidate,
  CHECK_MIN,
  effectiveWeights,
  emptyLearner,
  fitPrior,
  type LearnerState,
  learn,
  ndcg,
  parseLearner,
  rerank,
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

/** Rates one message the way a client does: the useful ids, then the not-useful ones. */
function rate(state: LearnerState, id: string, cands: Candidate[], useful: string[], notUseful: string[]) {
  const message = { messageId: id, kind: 'other' as const, candidates: cands, tested: state.weights };
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
