import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { effectiveWeights, emptyLearner, fitPrior, learn, parseLearner } from './learner.ts';

const config = ConfigSchema.parse({}).learning;
const AT = '2025-01-01T00:00:00.000Z';

describe('learner', () => {
  it('moves a layer above the user average up and one below it down', () => {
    const examples = Array.from({ length: 20 }, (_, i) => [
      { layer: 'semantic' as const, useful: i % 4 !== 0 },
      { layer: 'emotional' as const, useful: i % 4 === 0 },
    ]).flat();
    const state = learn(emptyLearner(), examples, config, AT);
    expect(state.events).toBe(40);
    expect(state.logWeights.semantic).toBeGreaterThan(0);
    expect(state.logWeights.emotional).toBeLessThan(0);
  });

  it('leaves layers level under uniformly bad feedback and clamps every weight', () => {
    const bad = learn(
      emptyLearner(),
      Array.from({ length: 200 }, () => ({ layer: 'episodic' as const, useful: false })),
      config,
      AT,
    );
    // The baseline follows the user's own rate, so constant feedback stops moving the layer.
    expect(Math.exp(bad.logWeights.episodic ?? 0)).toBeGreaterThanOrEqual(config.minWeight);
    const good = learn(
      emptyLearner(),
      Array.from({ length: 500 }, (_, i) => ({
        layer: i % 2 ? ('semantic' as const) : ('temporal' as const),
        useful: i % 2 === 1,
      })),
      { ...config, rate: 1 },
      AT,
    );
    const w = effectiveWeights(good, emptyLearner(), { ...config, priorEvents: 0 });
    expect(w.semantic).toBeCloseTo(config.maxWeight);
    expect(w.temporal).toBeCloseTo(config.minWeight);
  });

  it('shrinks a user with little feedback toward the prior', () => {
    const prior = fitPrior([{ ...emptyLearner(), events: 100, logWeights: { semantic: Math.log(1.5) } }], AT);
    const none = effectiveWeights(emptyLearner(), prior, config);
    expect(none.semantic).toBeCloseTo(1.5);
    const some = effectiveWeights(
      { ...emptyLearner(), events: 10, logWeights: { semantic: 0 } },
      prior,
      config,
    );
    expect(some.semantic).toBeCloseTo(Math.sqrt(1.5));
    expect(none.episodic).toBe(1);
  });

  it('reads a malformed stored state as no feedback', () => {
    expect(parseLearner('x')).toEqual(emptyLearner());
    expect(parseLearner({ events: -1, logWeights: { semantic: 'a', episodic: 0.2 } }).logWeights).toEqual({
      episodic: 0.2,
    });
  });
});
