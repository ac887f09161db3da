/**
 * GET /v1/emotions: one user's emotional memories as points (valence, arousal, intensity,
 * labels, the theme each falls in) and the themes themselves (StrataMemory.emotionClusters),
 * for the inspector's emotion charts. Reads at most EMOTION_SCAN memories, as the
 * clustering does, and says when there were more.
 */
import type { Hono } from 'hono';
import type { Memory } from '../../types.ts';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';

export const EMOTION_SCAN = 10_000;

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

export function emotionPoint(memory: Memory, cluster: number | null) {
  const labels = memory.metadata.labels;
  return {
    id: memory.id,
    createdAt: memory.createdAt,
    valence: num(memory.metadata.valence),
    arousal: num(memory.metadata.arousal),
    intensity: num(memory.metadata.intensity),
    labels: Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [],
    cluster,
  };
}

export function registerEmotionRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics } = deps;
  app.get('/v1/emotions', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    return metrics.time('emotions', async () => {
      const memories: Memory[] = [];
      let cursor: string | undefined;
      do {
        const page = await memory.list({
          userId,
          layer: 'emotional',
          includeSuperseded: false,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        memories.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && memories.length < EMOTION_SCAN);
      const clusters = await memory.emotionClusters(userId);
      const clusterOf = new Map<string, number>();
      clusters.forEach((cluster, index) => {
        for (const id of cluster.memoryIds) clusterOf.set(id, index);
      });
      const points = memories.map((m) => emotionPoint(m, clusterOf.get(m.id) ?? null));
      return c.json({ userId, points, clusters, truncated: !!cursor });
    });
  });
}
