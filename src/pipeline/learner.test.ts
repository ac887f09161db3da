import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { CHECK_MIN, effectiveWeights, emptyLearner, fitPrior, learn, parseLearner } from './learner.ts';

const config = ConfigSchema.parse({}).learning;
const AT = '2025-01-01T00:00:00.000Z';

describe('learner (pairwise, per kind of question)', () => {
  it('moves layers only for pairs recall put in the wrong order, by at most rate per message', () => {
    // A useful episodic memory ranked below a useless semantic one: episodic up, semantic down.
    let state = learn(
      emptyLearner(),
      [{ layer: 'semantic', useful: false, rank: 0 }],
      'm1',
      'other',
      config,
      AT,
    );
    state = learn(state, [{ layer: 'episodic', useful: true, rank: 3 }], 'm1', 'other', config, AT);
    expect(state.kinds.other?.logWeights.episodic).toBeCloseTo(config.rate);
    expect(state.kinds.other?.logWeights.semantic).toBeCloseTo(-config.rate);
    expect(state.kinds.when).toBeUndefined();
    // Already in the right order, or all rated alike: nothing moves.
    const ordered = learn(
      emptyLearner(),
      [
        { layer: 'episodic', useful: true, rank: 0 },
        { layer: 'semantic', useful: false, rank: 1 },
      ],
      'm2',
      'other',
      config,
      AT,
    );
    expect(ordered.kinds.other).toEqual({ pairs: 0, logWeights: {} });
    const alike = learn(
      emptyLearner(),
      [
        { layer: 'episodic', useful: true, rank: 5 },
        { layer: 'semantic', useful: true, rank: 0 },
      ],
      'm3',
      'other',
      config,
      AT,
    );
    expect(alike.kinds.other?.pairs).toBe(0);
    // Another message does not pair with the previous one's ratings.
    const other = learn(state, [{ layer: 'temporal', useful: false, rank: 0 }], 'm9', 'other', config, AT);
    expect(other.kinds.other?.pairs).toBe(state.kinds.other?.pairs);
  });

  it('clamps every weight to [minWeight, maxWeight]', () => {
    let state = emptyLearner();
    for (let i = 0; i < 100; i++) {
      state = learn(
        state,
        [
          { layer: 'temporal', useful: false, rank: 0 },
          { layer: 'episodic', useful: true, rank: 1 },
        ],
        `m${i}`,
        'when',
        { ...config, rate: 0.5 },
        AT,
      );
    }
    const w = effectiveWeights(state, emptyLearner(), 'when', { ...config, priorEvents: 0 });
    expect(w.episodic).toBeCloseTo(config.maxWeight);
    expect(w.temporal).toBeCloseTo(config.minWeight);
    expect(effectiveWeights(state, emptyLearner(), 'other', config).episodic).toBe(1);
  });

  it('shrinks a user with little feedback toward the prior', () => {
    const rich = {
      ...emptyLearner(),
      kinds: { other: { pairs: 100, logWeights: { semantic: Math.log(1.5) } } },
    };
    const prior = fitPrior([rich], AT);
    const none = effectiveWeights(emptyLearner(), prior, 'other', config);
    expect(none.semantic).toBeCloseTo(1.5);
    const some = effectiveWeights(
      { ...emptyLearner(), kinds: { other: { pairs: 10, logWeights: { semantic: 0 } } } },
      prior,
      'other',
      config,
    );
    expect(some.semantic).toBeCloseTo(Math.sqrt(1.5));
    expect(none.episodic).toBe(1);
  });

  it('stops applying weights that later ratings contradict (prequential check)', () => {
    // Early messages teach episodic over semantic...
    let state = emptyLearner();
    const message = (good: 'episodic' | 'semantic', bad: 'episodic' | 'semantic', id: string) => {
      state = learn(
        state,
        [
          { layer: bad, useful: false, rank: 0 },
          { layer: good, useful: true, rank: 1 },
        ],
        id,
        'other',
        config,
        AT,
      );
    };
    for (let i = 0; i < 5; i++) message('episodic', 'semantic', `a${i}`);
    const learned = effectiveWeights(state, emptyLearner(), 'other', config);
    expect(learned.episodic).toBeGreaterThan(1);
    expect(state.kinds.other?.check).toEqual({ agree: 4, disagree: 0 });
    // ...then useful semantic memories keep coming above useless episodic ones. Recall already
    // had those in the right order, so nothing is learned from them, but the learned weights
    // would pull the useless episodic memories up: the check sees them contradicted.
    for (let i = 0; i < CHECK_MIN * 2; i++) {
      state = learn(
        state,
        [
          { layer: 'semantic', useful: true, rank: 0 },
          { layer: 'episodic', useful: false, rank: 1 },
        ],
        `b${i}`,
        'other',
        config,
        AT,
      );
    }
    const check = state.kinds.other?.check;
    expect(check!.disagree).toBeGreaterThan(check!.agree);
    // Whatever the weights are now, they failed the check: recall gets the defaults.
    expect(effectiveWeights(state, emptyLearner(), 'other', config)).toMatchObject({
      episodic: 1,
      semantic: 1,
    });
    // And a prior fitted from such users fails it too.
    expect(effectiveWeights(emptyLearner(), fitPrior([state], AT), 'other', config).semantic).toBe(1);
  });

  it('keeps weights that adapt: ratings that change their mind for good are followed', () => {
    let state = emptyLearner();
    const message = (good: 'episodic' | 'semantic', bad: 'episodic' | 'semantic', id: string) => {
      state = learn(
        state,
        [
          { layer: bad, useful: false, rank: 0 },
          { layer: good, useful: true, rank: 1 },
        ],
        id,
        'other',
        config,
        AT,
      );
    };
    for (let i = 0; i < 5; i++) message('episodic', 'semantic', `a${i}`);
    for (let i = 0; i < CHECK_MIN * 2; i++) message('semantic', 'episodic', `b${i}`);
    expect(effectiveWeights(state, emptyLearner(), 'other', config).semantic).toBeGreaterThan(1);
  });

  it('reads a malformed stored state as no feedback', () => {
    expect(parseLearner('x')).toEqual(emptyLearner());
    expect(
      parseLearner({ kinds: { other: { pairs: -1, logWeights: { semantic: 'a', episodic: 0.2 } } } }).kinds,
    ).toEqual({
      other: { pairs: 0, logWeights: { episodic: 0.2 } },
    });
  });
});
