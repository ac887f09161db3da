/**
 * The signals the learner weighs (pure): for one recall candidate, a sparse feature vector
 * φ of what the ranking function already knows about it, named so that learned weights
 * read in explain. A learned model θ turns them into a multiplier exp(clamp(θ·φ)) on the
 * default score; θ = 0 is the defaults exactly. The features:
 *
 * - `layer:<layer>@<kind>`: 1 for the candidate's layer, per kind of question (text/query-kind.ts),
 *   since date questions and content questions want different layers;
 * - `relevance`: ln of the normalized fused relevance (floor 0.01): a weight w turns r into r^(1+w);
 * - `vector`, `keyword`: each list's score divided by that list's best in this recall (0 when
 *   the candidate is absent from it): how much to trust the embedding against BM25;
 * - `importance`, `reinforcement`: the scoring function's factors I and A (scoring.ts);
 * - `layerFactor`: ln of the layers' own score() multipliers (e.g. the temporal layer's
 *   boost of dated events for a date question);
 * - `extra`: 1 for a candidate a layer added without a search hit (a time-window event).
 *
 * Recency is not learned: a memory's recency changes with the moment of asking, and ratings
 * arrive in time order, so a weight on it learns when the rated questions were asked, not
 * what helps (on LoCoMo it went to −0.2 on early questions and cost temporal R@10 1.0 on
 * later ones); the half-life (scoring.halfLifeDays) stays the config's.
 *
 * Query-dependent features are 0 when the query is not known (a rating that names no
 * query); in a pairwise update they then cancel, so such ratings teach only the rest.
 */
import type { QueryKind } from '../text/query-kind.ts';
import type { LayerName } from '../types.ts';

/** A sparse feature vector: feature name → value (missing = 0). */
export type Features = Record<string, number>;
/** Learned weights: feature name → weight (missing = 0, the default). */
export type FeatureWeights = Record<string, number>;

const RELEVANCE_FLOOR = 0.01;
const LAYER_FACTOR_FLOOR = 0.01;

/** The name of a layer's feature for one kind of question. */
export function layerFeature(layer: LayerName, kind: QueryKind): string {
  return `layer:${layer}@${kind}`;
}

/** What one candidate brings to the feature vector. */
export interface CandidateSignals {
  layer: LayerName;
  kind: QueryKind;
  /** Normalized fused relevance in [0,1], when the query is known. */
  relevance?: number;
  /** Each list's score over its best in this recall, when the candidate is in that list. */
  vector?: number;
  keyword?: number;
  importance: number;
  reinforcement: number;
  /** Product of the layers' score() multipliers, when the query is known. */
  layerFactor?: number;
  extra?: boolean;
}

export function candidateFeatures(s: CandidateSignals): Features {
  const f: Features = {
    [layerFeature(s.layer, s.kind)]: 1,
    importance: s.importance,
    reinforcement: s.reinforcement,
  };
  if (s.relevance !== undefined) f.relevance = Math.log(Math.max(RELEVANCE_FLOOR, s.relevance));
  if (s.vector !== undefined) f.vector = s.vector;
  if (s.keyword !== undefined) f.keyword = s.keyword;
  if (s.layerFactor !== undefined && s.layerFactor > 0)
    f.layerFactor = Math.log(Math.max(LAYER_FACTOR_FLOOR, s.layerFactor));
  if (s.extra) f.extra = 1;
  return f;
}

export function dot(weights: FeatureWeights, features: Features): number {
  let sum = 0;
  for (const [name, value] of Object.entries(features)) sum += (weights[name] ?? 0) * value;
  return sum;
}

/** The multiplier learned weights put on a candidate's default score, clamped to [min, max]. */
export function learnedMultiplier(
  weights: FeatureWeights,
  features: Features,
  minWeight: number,
  maxWeight: number,
): number {
  const log = dot(weights, features);
  return Math.exp(Math.min(Math.log(maxWeight), Math.max(Math.log(minWeight), log)));
}
