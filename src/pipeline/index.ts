/**
 * The turn pipeline entry points used by the engine (createMemory delegates here): observe
 * a turn, recall a framed context block, consolidate, and emotional clustering; plus the
 * pure helpers other surfaces reuse (injectContext, the scoring function, block builder).
 */

import type { EngineContext } from '../layers/context.ts';
import type { EmotionCluster } from '../layers/emotional/clusters.ts';
import { clusterEmotions } from '../layers/emotional/clusters.ts';
import type { Memory } from '../types.ts';

export { consolidate } from './consolidate.ts';
export { buildContextBlock, CLOSE_TAG, estimateTokens, INSTRUCTION, OPEN_TAG } from './format.ts';
export { injectContext, stripContext } from './inject.ts';
export { observeTurn } from './observe.ts';
export { recall } from './recall.ts';
export { scoreMemory } from './scoring.ts';

export async function emotionClusters(ctx: EngineContext, userId: string): Promise<EmotionCluster[]> {
  const memories: Memory[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.list(
      { userId, layers: ['emotional'], includeSuperseded: false },
      cursor ? { limit: 1000, cursor } : { limit: 1000 },
    );
    memories.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && memories.length < 10_000);
  return clusterEmotions(memories);
}
