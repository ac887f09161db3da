/**
 * Embedding throughput of the configured embedder, measured three ways on fresh text:
 * one request at a time (await each), many concurrent single requests (the core's queue
 * coalesces them into batches) and one embedMany call; plus the cache-hit effect (the same
 * texts a second time). Uses its own embedder instances so the engine's cache is untouched.
 */
import type { StrataConfig } from '../src/config/schema.ts';
import { createEmbedder } from '../src/embedders/create-embedder.ts';
import { round } from './stats.ts';
import { sentenceGenerator } from './synthetic.ts';

export interface EmbedThroughput {
  model: string;
  texts: number;
  singlePerSec: number;
  concurrentPerSec: number;
  embedManyPerSec: number;
  /** concurrent (coalesced) throughput over single. */
  batchSpeedup: number;
  embedManySpeedup: number;
  cache: { missMsPerText: number; hitMsPerText: number; speedup: number; hitRate: number };
}

async function perSec(n: number, work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (n / (performance.now() - t0)) * 1000;
}

export async function measureEmbedding(config: StrataConfig, texts: number): Promise<EmbedThroughput> {
  const gen = sentenceGenerator(99);
  const fresh = () => Array.from({ length: texts }, () => gen.next());
  const noCache = createEmbedder({ ...config, embedder: { ...config.embedder, cacheSize: 0 } });
  try {
    await noCache.ready();
    await noCache.embedMany(fresh().slice(0, 32)); // warm-up (JIT, lazy kernels)
    const a = fresh();
    const single = await perSec(texts, async () => {
      for (const t of a) await noCache.embed(t);
    });
    const b = fresh();
    const concurrent = await perSec(texts, () => Promise.all(b.map((t) => noCache.embed(t))));
    const c = fresh();
    const many = await perSec(texts, () => noCache.embedMany(c));

    const cached = createEmbedder(config);
    try {
      await cached.ready();
      const d = fresh();
      const t0 = performance.now();
      for (const t of d) await cached.embed(t);
      const miss = (performance.now() - t0) / texts;
      const t1 = performance.now();
      for (const t of d) await cached.embed(t);
      const hit = (performance.now() - t1) / texts;
      return {
        model: noCache.id,
        texts,
        singlePerSec: round(single, 0),
        concurrentPerSec: round(concurrent, 0),
        embedManyPerSec: round(many, 0),
        batchSpeedup: round(concurrent / single, 2),
        embedManySpeedup: round(many / single, 2),
        cache: {
          missMsPerText: round(miss, 4),
          hitMsPerText: round(hit, 4),
          speedup: round(miss / Math.max(hit, 1e-6), 1),
          hitRate: round(cached.stats().cacheHitRate, 3),
        },
      };
    } finally {
      await cached.close();
    }
  } finally {
    await noCache.close();
  }
}

/** Cold load of a brand-new embedder instance (the first in this process is the cold one). */
export async function measureModelLoad(config: StrataConfig): Promise<{ model: string; loadMs: number }> {
  const embedder = createEmbedder(config);
  const t0 = performance.now();
  await embedder.ready();
  const loadMs = performance.now() - t0;
  await embedder.close();
  return { model: embedder.id, loadMs: round(loadMs, 1) };
}
