/**
 * The one ranking function (pure). For a candidate with normalized relevance r ∈ [0,1]
 * (hybrid vector+keyword fusion, divided by the best candidate's):
 *
 *   score = r^w_rel
 *         × (1 − w_rec + w_rec · R)      R = 2^(−age_days / (halfLifeDays · strength))
 *         × (1 − w_imp + w_imp · I)      I = importance
 *         × (1 + w_reinf · A)            A = 1 − e^(−accessCount / 5)
 *         × L                            L = product of the layers' score() multipliers
 *
 * age is measured from the later of createdAt and lastAccessedAt, so use keeps a memory
 * fresh and strength (grown by access and replay) slows its decay. Recency and importance
 * weights are clamped to [0,1]: they can discount a memory by at most their weight, never
 * zero it, so old but relevant memories stay findable (decay never deletes).
 */
import type { StrataConfig } from '../config/schema.ts';
import type { Memory } from '../types.ts';

export type ScoringConfig = StrataConfig['scoring'];

const DAY_MS = 86_400_000;

export function recencyFactor(
  memory: Pick<Memory, 'createdAt' | 'lastAccessedAt' | 'strength'>,
  now: Date,
  halfLifeDays: number,
): number {
  const last = Math.max(
    Date.parse(memory.createdAt),
    memory.lastAccessedAt ? Date.parse(memory.lastAccessedAt) : 0,
  );
  const ageDays = Math.max(0, (now.getTime() - last) / DAY_MS);
  const strength = Math.max(0.1, memory.strength);
  return 2 ** (-ageDays / (halfLifeDays * strength));
}

export function reinforcementFactor(accessCount: number): number {
  return 1 - Math.exp(-Math.max(0, accessCount) / 5);
}

export interface ScoreParts {
  relevance: number;
  recency: number;
  importance: number;
  reinforcement: number;
  layer: number;
  score: number;
}

export function scoreMemory(
  memory: Pick<Memory, 'createdAt' | 'lastAccessedAt' | 'strength' | 'importance' | 'accessCount'>,
  relevance: number,
  now: Date,
  scoring: ScoringConfig,
  layerMultiplier = 1,
): ScoreParts {
  const w = scoring.weights;
  const clamp = (x: number) => Math.max(0, Math.min(1, x));
  const r = clamp(relevance);
  const recency = recencyFactor(memory, now, scoring.halfLifeDays);
  const reinforcement = reinforcementFactor(memory.accessCount);
  const wRec = clamp(w.recency);
  const wImp = clamp(w.importance);
  const score =
    r ** w.relevance *
    (1 - wRec + wRec * recency) *
    (1 - wImp + wImp * clamp(memory.importance)) *
    (1 + w.reinforcement * reinforcement) *
    layerMultiplier;
  return {
    relevance: r,
    recency,
    importance: memory.importance,
    reinforcement,
    layer: layerMultiplier,
    score,
  };
}
