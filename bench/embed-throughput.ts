/**
 * Embedding throughput for `strata bench`: the configured embedder measured three ways on
 * fresh text — one request at a time (await each), many concurrent single requests (the
 * core's queue coalesces them into batches) and one embedMany call — after a warm-up that
 * runs every path (a cold JIT otherwise makes "single" look slow and flatters the ratio),
 * as the median of three rounds; plus the cache-hit effect. Then the same numbers for the
 * static table and USE-lite, each in its own child process (bench/embedding.ts), so the
 * report says per embedder whether batching reaches the SPEC §8 5x, without loading tfjs into
 * the bench process (its memory would count against the 100k RSS target).
 */
import type { StrataConfig } from '../src/config/schema.ts';
import { createEmbedder } from '../src/embedders/create-embedder.ts';
import type { Embedder } from '../src/embedders/types.ts';
import { benchProviderInChild, type EmbeddingBenchRow } from './embedding.ts';
import { percentile, round } from './stats.ts';
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
  /** Per embedder kind (child processes): texts/s single / concurrent / embedMany and speedups. */
  byEmbedder?: Array<EmbeddingBenchRow | { kind: string; error: string }>;
}

const ROUNDS = 3;

async function perSec(n: number, work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return (n / (performance.now() - t0)) * 1000;
}

const median = (xs: number[]): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

async function rounds(
  embedder: Embedder,
  texts: number,
  fresh: () => string[],
  count: number,
): Promise<{ single: number; concurrent: number; many: number }> {
  const single: number[] = [];
  const concurrent: number[] = [];
  const many: number[] = [];
  for (let i = 0; i < count; i++) {
    const a = fresh();
    single.push(
      await perSec(texts, async () => {
        for (const t of a) await embedder.embed(t);
      }),
    );
    const b = fresh();
    concurrent.push(await perSec(texts, () => Promise.all(b.map((t) => embedder.embed(t)))));
    const c = fresh();
    many.push(await perSec(texts, () => embedder.embedMany(c)));
  }
  return { single: median(single), concurrent: median(concurrent), many: median(many) };
}

export async function measureEmbedding(
  config: StrataConfig,
  texts: number,
  options: { byEmbedder?: boolean } = {},
): Promise<EmbedThroughput> {
  const gen = sentenceGenerator(99);
  const fresh = () => Array.from({ length: texts }, () => gen.next());
  const noCache = createEmbedder({ ...config, embedder: { ...config.embedder, cacheSize: 0 } });
  let result: EmbedThroughput;
  try {
    await noCache.ready();
    await rounds(noCache, texts, fresh, 1); // warm-up: JIT and lazy kernels on every path
    const { single, concurrent, many } = await rounds(noCache, texts, fresh, ROUNDS);

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
      result = {
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
  if (options.byEmbedder !== false) result.byEmbedder = measureByEmbedder(texts);
  return result;
}

/** The static table and USE-lite, each in a child process; a failure is reported, not thrown. */
function measureByEmbedder(texts: number): NonNullable<EmbedThroughput['byEmbedder']> {
  // USE-lite takes ~10 ms per single text: fewer texts keep the bench short.
  const plan = [
    // The table embeds a text in microseconds: at least 2,000 texts so timer noise averages out.
    { kind: 'static', n: Math.max(texts, 2_000), rounds: ROUNDS },
    { kind: 'use', n: Math.max(32, Math.min(256, Math.round(texts / 8))), rounds: texts >= 1_000 ? 2 : 1 },
  ];
  return plan.map(({ kind, n, rounds: count }) => {
    try {
      return benchProviderInChild(kind, n, count);
    } catch (error) {
      return { kind, error: (error as Error).message.split('\n')[0] ?? String(error) };
    }
  });
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
