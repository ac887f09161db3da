/**
 * Embedding benchmark per provider (never part of the test run):
 *   npx tsx bench/embedding.ts [--provider static|hash|use|onnx|openai] [--n 400] [--rounds 3] [--mix] [--json]
 * For each provider, in its own child process so load time and RSS are clean: cold model
 * load; then, after a warm-up that runs every path (JIT, lazy kernels), `rounds` rounds of:
 * one awaited request at a time (single: p50/p95 and texts/s), all requests at once
 * (concurrent: the core queue coalesces them into provider batches), 16 closed-loop clients
 * (each awaits its request before sending the next), and one embedMany call. Throughputs are
 * the median round; --mix makes every fourth text four sentences long. onnx runs when STRATA_BENCH_ONNX_DIR names a model folder; openai when
 * STRATA_BENCH_OPENAI_URL and STRATA_BENCH_OPENAI_MODEL are set.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PARAPHRASE_PAIRS } from '../eval/embedders/paraphrase-pairs.ts';
import { EmbedderConfigSchema } from '../src/config/schema.ts';
import { createEmbedder } from '../src/embedders/create-embedder.ts';
import type { Embedder } from '../src/embedders/types.ts';
import { packagePath } from '../src/util/package-root.ts';
import { percentile } from './stats.ts';

const CLIENTS = 16;

export interface EmbeddingBenchRow {
  provider: string;
  dims: number;
  loadMs: number;
  rssMB: number;
  singleP50Ms: number;
  singleP95Ms: number;
  singlePerSec: number;
  concurrentPerSec: number;
  clientsPerSec: number;
  embedManyPerSec: number;
  /** concurrent / single: what the SPEC §8 "batched vs single" target compares. */
  batchSpeedup: number;
  embedManySpeedup: number;
  /** Texts per provider call in the concurrent run (how well requests coalesced). */
  concurrentMeanBatch: number;
  clientsMeanBatch: number;
  cacheHitP50Ms: number;
  cacheHitP95Ms: number;
  cacheHitRate: number;
}

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

/** --mix: every fourth text is four sentences long, like chat turns among short queries. */
let mixLengths = false;

/** Unique, realistic sentences: the paraphrase set's sentences with a varying suffix. */
function texts(n: number, salt: string): string[] {
  const pool = PARAPHRASE_PAIRS.flatMap((p) => [p.a, p.b]);
  const at = (i: number) => pool[i % pool.length] as string;
  return Array.from({ length: n }, (_, i) => {
    const body = mixLengths && i % 4 === 0 ? [at(i), at(i + 7), at(i + 13), at(i + 29)].join(' ') : at(i);
    return `${body} (${salt} note ${i})`;
  });
}

const pct = (xs: number[], p: number): number =>
  percentile(
    [...xs].sort((a, b) => a - b),
    p,
  );
const r = (x: number, d = 3): number => Number(x.toFixed(d));

interface Round {
  latencies: number[];
  single: number;
  concurrent: number;
  clients: number;
  many: number;
  concurrentBatches: number;
  clientsBatches: number;
}

async function round(embedder: Embedder, n: number, salt: string): Promise<Round> {
  const latencies: number[] = [];
  const one = texts(n, `${salt} single`);
  let t = performance.now();
  for (const text of one) {
    const s = performance.now();
    await embedder.embed(text);
    latencies.push(performance.now() - s);
  }
  const single = (n / (performance.now() - t)) * 1000;

  const conc = texts(n, `${salt} concurrent`);
  let batches = embedder.stats().batches;
  t = performance.now();
  await Promise.all(conc.map((text) => embedder.embed(text)));
  const concurrent = (n / (performance.now() - t)) * 1000;
  const concurrentBatches = embedder.stats().batches - batches;

  const loop = texts(n, `${salt} clients`);
  batches = embedder.stats().batches;
  t = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      for (let i = c; i < n; i += CLIENTS) await embedder.embed(loop[i] as string);
    }),
  );
  const clients = (n / (performance.now() - t)) * 1000;
  const clientsBatches = embedder.stats().batches - batches;

  const many = texts(n, `${salt} many`);
  t = performance.now();
  await embedder.embedMany(many);
  return {
    latencies,
    single,
    concurrent,
    clients,
    many: (n / (performance.now() - t)) * 1000,
    concurrentBatches,
    clientsBatches,
  };
}

export async function benchProvider(kind: string, n: number, rounds: number): Promise<EmbeddingBenchRow> {
  const rss0 = process.memoryUsage().rss;
  const embedder = createEmbedder({ embedder: configFor(kind, 0) });
  const t = performance.now();
  await embedder.ready();
  const loadMs = performance.now() - t;
  await round(embedder, Math.min(n, 200), 'warm'); // JIT and lazy kernels, every path
  const rssMB = (process.memoryUsage().rss - rss0) / 1e6;
  const results: Round[] = [];
  for (let i = 0; i < rounds; i++) results.push(await round(embedder, n, `round ${i}`));
  await embedder.close();
  const median = (pick: (x: Round) => number): number => pct(results.map(pick), 50);
  const single = median((x) => x.single);
  const concurrent = median((x) => x.concurrent);
  const many = median((x) => x.many);
  const latencies = results.flatMap((x) => x.latencies);

  const cached = createEmbedder({ embedder: configFor(kind, 10_000) });
  const hitTexts = texts(Math.min(n, 200), 'cache');
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
    singleP50Ms: r(pct(latencies, 50)),
    singleP95Ms: r(pct(latencies, 95)),
    singlePerSec: Math.round(single),
    concurrentPerSec: Math.round(concurrent),
    clientsPerSec: Math.round(median((x) => x.clients)),
    embedManyPerSec: Math.round(many),
    batchSpeedup: r(concurrent / single, 2),
    embedManySpeedup: r(many / single, 2),
    concurrentMeanBatch: r(n / median((x) => x.concurrentBatches), 1),
    clientsMeanBatch: r(n / median((x) => x.clientsBatches), 1),
    cacheHitP50Ms: r(pct(hits, 50), 4),
    cacheHitP95Ms: r(pct(hits, 95), 4),
    cacheHitRate: r(stats.cacheHitRate, 2),
  };
}

/** Runs one provider's benchmark in a fresh child process (clean load time and RSS). */
export function benchProviderInChild(
  kind: string,
  n: number,
  rounds: number,
  mix = false,
): EmbeddingBenchRow {
  // From the package root, not import.meta.url: in the bundled CLI (dist/) this module
  // shares the bundle's URL.
  const self = packagePath('bench/embedding.ts');
  // The loader is resolved from this file, so the bench works from any working directory.
  const tsx = import.meta.resolve('tsx');
  const args = ['--import', tsx, self, '--provider', kind, '--n', String(n), '--rounds', String(rounds)];
  if (mix) args.push('--mix');
  return JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' })) as EmbeddingBenchRow;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      provider: { type: 'string' },
      n: { type: 'string', default: '400' },
      rounds: { type: 'string', default: '3' },
      json: { type: 'boolean', default: false },
      mix: { type: 'boolean', default: false },
    },
  });
  mixLengths = values.mix;
  const n = Number(values.n);
  const rounds = Number(values.rounds);
  if (values.provider) {
    console.log(JSON.stringify(await benchProvider(values.provider, n, rounds)));
  } else {
    const kinds = ['hash', 'static', 'use'];
    if (process.env.STRATA_BENCH_ONNX_DIR) kinds.push('onnx');
    if (process.env.STRATA_BENCH_OPENAI_URL && process.env.STRATA_BENCH_OPENAI_MODEL) kinds.push('openai');
    const rows = kinds.map((kind) => benchProviderInChild(kind, n, rounds, values.mix));
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else console.table(rows);
  }
}
