/**
 * Re-embedding after a model change: finds every memory whose vector is missing or was
 * made by another model, embeds its content with the current embedder and replaces the
 * vectors batch by batch. It is resumable: a run that is interrupted leaves each memory
 * tagged with the model of its vector, and the next run only redoes the stale ones.
 * Ids and contents are collected before writing because some stores cannot write while a
 * scan cursor is open.
 */
import type { ReembedProgress } from '../api.ts';
import type { EngineContext } from './context.ts';

const WRITE_BATCH = 512;

export async function reembedAll(
  ctx: EngineContext,
  onProgress?: (progress: ReembedProgress) => void,
): Promise<{ reembedded: number }> {
  const model = { id: ctx.embedder.id, dimensions: ctx.embedder.dimensions };
  const stale: Array<{ userId: string; id: string; content: string }> = [];
  for await (const batch of ctx.store.scan({ batchSize: 1000 })) {
    for (const { memory, vector } of batch) {
      if (vector === null || memory.embeddingModel !== model.id || vector.length !== model.dimensions) {
        stale.push({ userId: memory.userId, id: memory.id, content: memory.content });
      }
    }
  }
  const total = stale.length;
  onProgress?.({ done: 0, total });
  let done = 0;
  for (let start = 0; start < total; start += WRITE_BATCH) {
    const slice = stale.slice(start, start + WRITE_BATCH);
    const vectors = await ctx.embedder.embedMany(slice.map((item) => item.content));
    await ctx.store.replaceVectors(
      slice.map((item, i) => ({ userId: item.userId, id: item.id, vector: vectors[i]! })),
      model,
    );
    done += slice.length;
    onProgress?.({ done, total });
  }
  if (total > 0) ctx.logger.info({ reembedded: total, model: model.id }, 'reembed finished');
  return { reembedded: total };
}
