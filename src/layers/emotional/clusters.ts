/**
 * Emotional clustering: groups a user's emotional memories into themes by k-means over
 * their emotion score vectors. Initialization is deterministic (farthest-point from the
 * most intense memory) so the same memories always give the same clusters; k is chosen by
 * the same farthest-point pass: a new theme starts while some memory is farther than
 * NEW_THEME_DISTANCE from every theme so far (at most maxK themes).
 */
import type { Memory } from '../../types.ts';
import { EMOTIONS } from './lexicon.ts';

/** Squared distance in emotion space beyond which a memory seeds a new theme. */
export const NEW_THEME_DISTANCE = 0.35;

interface Point {
  memory: Memory;
  vector: number[];
}

function dist(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return s;
}

function mean(points: Point[]): number[] {
  const out = EMOTIONS.map(() => 0);
  for (const p of points) for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + (p.vector[i] ?? 0);
  return out.map((v) => (points.length ? v / points.length : 0));
}

function vectorOf(memory: Memory): number[] | null {
  const scores = memory.metadata.emotions;
  if (!scores || typeof scores !== 'object') return null;
  const rec = scores as Record<string, unknown>;
  const v = EMOTIONS.map((e) => (typeof rec[e] === 'number' ? (rec[e] as number) : 0));
  return v.some((x) => x > 0) ? v : null;
}

/** One emotional theme of a user (see {@link StrataMemory.emotionClusters}). */
export interface EmotionCluster {
  label: string;
  /** Dominant emotion labels of the cluster with mean scores. */
  emotions: Record<string, number>;
  valence: number;
  arousal: number;
  memoryIds: string[];
  size: number;
}

export function clusterEmotions(memories: Memory[], maxK = 6): EmotionCluster[] {
  const points: Point[] = [];
  for (const memory of memories) {
    const vector = vectorOf(memory);
    if (vector) points.push({ memory, vector });
  }
  if (points.length === 0) return [];
  const k = Math.max(1, Math.min(maxK, points.length));
  const sorted = [...points].sort(
    (a, b) => Math.max(...b.vector) - Math.max(...a.vector) || a.memory.id.localeCompare(b.memory.id),
  );
  const centroids: number[][] = [sorted[0]?.vector ?? []];
  while (centroids.length < k) {
    let best: Point | undefined;
    let bestD = -1;
    for (const p of sorted) {
      const d = Math.min(...centroids.map((c) => dist(p.vector, c)));
      if (d > bestD) {
        bestD = d;
        best = p;
      }
    }
    if (!best || bestD <= NEW_THEME_DISTANCE) break;
    centroids.push(best.vector);
  }
  let assign = points.map(() => 0);
  for (let iter = 0; iter < 25; iter++) {
    const next = points.map((p) => {
      let bi = 0;
      let bd = Number.POSITIVE_INFINITY;
      centroids.forEach((c, i) => {
        const d = dist(p.vector, c);
        if (d < bd) {
          bd = d;
          bi = i;
        }
      });
      return bi;
    });
    const changed = next.some((a, i) => a !== assign[i]);
    assign = next;
    centroids.forEach((_, i) => {
      const members = points.filter((_, j) => assign[j] === i);
      if (members.length) centroids[i] = mean(members);
    });
    if (!changed && iter > 0) break;
  }
  const clusters: EmotionCluster[] = [];
  centroids.forEach((c, i) => {
    const members = points.filter((_, j) => assign[j] === i);
    if (!members.length) return;
    const emotions: Record<string, number> = {};
    const ranked = EMOTIONS.map((e, idx) => [e, c[idx] ?? 0] as const)
      .filter(([, v]) => v >= 0.15)
      .sort((a, b) => b[1] - a[1]);
    for (const [e, v] of ranked) emotions[e] = Math.round(v * 1000) / 1000;
    const avg = (key: string) =>
      members.reduce(
        (s, p) => s + (typeof p.memory.metadata[key] === 'number' ? (p.memory.metadata[key] as number) : 0),
        0,
      ) / members.length;
    clusters.push({
      label:
        ranked
          .slice(0, 2)
          .map(([e]) => e)
          .join(' + ') || 'neutral',
      emotions,
      valence: Math.round(avg('valence') * 1000) / 1000,
      arousal: Math.round(avg('arousal') * 1000) / 1000,
      memoryIds: members.map((p) => p.memory.id),
      size: members.length,
    });
  });
  return clusters.sort((a, b) => b.size - a.size || a.label.localeCompare(b.label));
}
