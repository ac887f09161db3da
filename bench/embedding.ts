/**
 * Embedding benchmark per provider (never part of the test run):
 *   npx tsx bench/embedding.ts [--provider static|hash|use|onnx|openai] [--n 400] [--json]
 * For each provider, in its own child process so load time and RSS are clean: cold model
 * load, one-at-a-time latency (p50/p95) and throughput, concurrent requests coalesced by the
 * core queue, one embedMany call, and the cache-hit effect. onnx runs when
 * STRATA_BENCH_ONNX_DIR names a model folder; openai when STRATA_BENCH_OPENAI_URL and
 * STRATA_BENCH_OPENAI_MODEL are set.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EmbedderConfigSchema } from '../src/config/schema.ts';
import { createEmbedder } from '../src/embedders/create-embedder.ts';
import { PARAPHRASE_PAIRS } from '../src/embedders/eval/paraphrase-pairs.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string' },
    n: { type: 'string', default: '400' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.n);

function configFor(kind: string, cacheSize: number) {
  const base = { kind, cacheSize };
  if (kind === 'onnx')
    return EmbedderConfigSchema.parse({ ...base, modelPath: process.env.STRATA_BENCH_ONNX_DIR });
  if (kind === 'openai') {
    return EmbedderConfigSchema.parse({
      ...base,
      baseUrl: process.env.STRATA_BENCH_OPENAI_URL,
      model: process.env.STRATA_BENCH_OPENAI_MODEL,
    });
  }
  return EmbedderConfigSchema.parse(base);
}

/** Unique, realistic sentences: the paraphrase set's sentences with a varying suffix. */
function texts(n: number, salt: string): string[] {
  const pool = PARAPHRASE_PAIRS.flatMap((p) => [p.a, p.b]);
  return Array.from({ length: n }, (_, i) => `${pool[i % pool.length]} (${salt} note ${i})`);
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
};
const r = (x: number, d = 3): number => Number(x.toFixed(d));

async function bench(kind: string): Promise<Record<string, unknown>> {
  const rss0 = process.memoryUsage().rss;
  const embedder = createEmbedder({ embedder: configFor(kind, 0) });
  let t = performance.now();
  await embedder.ready();
  const loadMs = performance.now() - t;
  await embedder.embedMany(texts(32, 'warm')); // JIT and lazy kernels
  const rssMB = (process.memoryUsage().rss - rss0) / 1e6;

  const single: number[] = [];
  const one = texts(N, 'single');
  t = performance.now();
  for (const text of one) {
    const s = performance.now();
    await embedder.embed(text);
    single.push(performance.now() - s);
  }
  const singlePerSec = (N / (performance.now() - t)) * 1000;

  const conc = texts(N, 'concurrent');
  t = performance.now();
  await Promise.all(conc.map((text) => embedder.embed(text)));
  const concurrentPerSec = (N / (performance.now() - t)) * 1000;

  const many = texts(N, 'many');
  t = performance.now();
  await embedder.embedMany(many);
  const embedManyPerSec = (N / (performance.now() - t)) * 1000;
  const batches = embedder.stats().batches;
  await embedder.close();

  const cached = createEmbedder({ embedder: configFor(kind, 10_000) });
  const hitTexts = texts(Math.min(N, 200), 'cache');
  await cached.embedMany(hitTexts);
  const hits: number[] = [];
  for (const text of hitTexts) {
    const s = performance.now();
    await cached.embed(text);
    hits.push(performance.now() - s);
  }
  const stats = cached.stats();
  await cached.close();
  return {
    provider: embedder.id,
    dims: embedder.dimensions,
    loadMs: r(loadMs, 1),
    rssMB: r(rssMB, 1),
    singleP50Ms: r(pct(single, 50)),
    singleP95Ms: r(pct(single, 95)),
    singlePerSec: Math.round(singlePerSec),
    concurrentPerSec: Math.round(concurrentPerSec),
    embedManyPerSec: Math.round(embedManyPerSec),
    batchSpeedup: r(concurrentPerSec / singlePerSec, 1),
    providerBatches: batches,
    cacheHitP50Ms: r(pct(hits, 50), 4),
    cacheHitP95Ms: r(pct(hits, 95), 4),
    cacheHitRate: r(stats.cacheHitRate, 2),
  };
}

if (values.provider) {
  console.log(JSON.stringify(await bench(values.provider)));
} else {
  const kinds = ['hash', 'static', 'use'];
  if (process.env.STRATA_BENCH_ONNX_DIR) kinds.push('onnx');
  if (process.env.STRATA_BENCH_OPENAI_URL && process.env.STRATA_BENCH_OPENAI_MODEL) kinds.push('openai');
  const self = fileURLToPath(import.meta.url);
  const rows = kinds.map(
    (kind) =>
      JSON.parse(
        execFileSync(process.execPath, ['--import', 'tsx', self, '--provider', kind, '--n', String(N)], {
          encoding: 'utf8',
        }),
      ) as Record<string, unknown>,
  );
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else console.table(rows);
}
