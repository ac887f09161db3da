/**
 * `strata bench` orchestration: cold model load, engine open, embedding throughput and
 * cache effect, the 1k/10k/100k scale runs, the leak soak, optional HTTP load and the mem0
 * peer, then the SPEC §8 targets. Everything runs against a throwaway SQLite file (the
 * embedded default) in a temp dir that is removed afterwards; the engine is opened through
 * an injected function so the CLI's config loading applies.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { StrataConfig } from '../src/config/schema.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { ValidationError } from '../src/errors.ts';
import { dropPostgresStore } from '../src/stores/postgres/index.ts';
import { type EmbedThroughput, measureEmbedding, measureModelLoad } from './embed-throughput.ts';
import type { HttpLoadReport } from './http-users.ts';
import type { MillionReport } from './million.ts';
import { runSqliteVecSizes, type VecPeerReport } from './peers/sqlite-vec.ts';
import { runScale, type SizeResult } from './scale.ts';
import { runSoak, type SoakResult } from './soak.ts';
import { type MemorySnapshot, memorySnapshot, round } from './stats.ts';
import { evaluateGoals, evaluateTargets, type TargetResult } from './targets.ts';

export interface BenchOptions {
  quick: boolean;
  store: 'sqlite' | 'memory' | 'postgres';
  /** With store 'postgres': a database the bench may empty (its Strata tables are dropped before and after). */
  postgresUrl?: string;
  config: StrataConfig;
  open: (config: StrataConfig) => Promise<StrataMemory>;
  log?: (message: string) => void;
  progress?: (total: number, label: string) => { tick(n?: number): void; stop(): void };
  /** Extra sections (HTTP load, peer) run with the bench's scratch dir. */
  extras?: Array<{ name: string; run: (scratch: string) => Promise<unknown> }>;
  /** Also grow a second store to 1M memories (bench/million.ts; minutes). */
  million?: boolean;
}

export interface BenchReport {
  mode: 'quick' | 'full';
  machine: {
    cpus: number;
    cpuModel: string;
    totalMemGb: number;
    node: string;
    platform: string;
    /** Node flags of the measured process (npm run bench caps V8's young generation). */
    nodeFlags: string[];
  };
  config: { store: string; embedder: string; vectorPrecision: string | null };
  modelLoad: { model: string; loadMs: number };
  engineOpenMs: number;
  memoryAfterLoad: MemorySnapshot;
  embedding: EmbedThroughput;
  sizes: SizeResult[];
  growth: {
    from: number;
    to: number;
    storeP50: number;
    searchP50: number;
    searchP95: number;
    searchHeavyP50: number;
    recallP50: number;
  };
  memoryAfterLargest: MemorySnapshot;
  soak: SoakResult;
  extras: Record<string, unknown>;
  /** sqlite-vec brute-force KNN over the same stored vectors, one user at 1k and 10k. */
  sqliteVec: Array<VecPeerReport & { memories: number }> | { error: string };
  /** With --million: the 1M-memory store and its heavy user. */
  million: MillionReport | { error: string } | null;
  /** SPEC §8. */
  targets: TargetResult[];
  /** The per-turn goals (observe, recall, HTTP, heavy user, 1M), pass/fail. */
  goals: TargetResult[];
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? (() => {});
  const sizes = options.quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  const scratch = mkdtempSync(join(tmpdir(), 'strata-bench-'));
  try {
    const config: StrataConfig = {
      ...options.config,
      dataDir: scratch,
      store:
        options.store === 'postgres'
          ? { kind: 'postgres', url: postgresUrlOf(options), poolSize: 4, retries: 5 }
          : options.store === 'memory'
            ? { kind: 'memory' }
            : {
                ...(options.config.store.kind === 'sqlite'
                  ? options.config.store
                  : { vectorPrecision: 'float32', busyTimeoutMs: 5_000 }),
                kind: 'sqlite',
                path: join(scratch, 'bench.db'),
              },
      log: { level: 'error' },
    };
    if (config.store.kind === 'postgres') await dropPostgresStore(config.store.url);
    log('model load (cold)…');
    const modelLoad = await measureModelLoad(config);
    const t0 = performance.now();
    const memory = await options.open(config);
    await memory.ready();
    const engineOpenMs = round(performance.now() - t0, 1);
    const memoryAfterLoad = memorySnapshot();
    try {
      log('embedding throughput…');
      const embedding = await measureEmbedding(config, options.quick ? 200 : 2_000);
      log(`scale runs at ${sizes.join(', ')} memories…`);
      const bar = options.progress?.(Math.max(...sizes), 'filling store');
      let last = 0;
      const scale = await runScale(memory, {
        sizes,
        users: options.quick ? 50 : 200,
        ops: options.quick ? 40 : 300,
        onFill: (done) => {
          bar?.tick(done - last);
          last = done;
        },
      });
      bar?.stop();
      const memoryAfterLargest = memorySnapshot();
      log('leak soak…');
      const soak = await runSoak(memory, options.quick ? 600 : 10_000, options.quick ? 200 : 2_000);
      log('sqlite-vec peer at 1k and 10k…');
      const sqliteVec = await runSqliteVecSizes(config, options.open, scratch, [1_000, 10_000], 200).catch(
        (error: Error) => ({ error: error.message }),
      );
      let million: BenchReport['million'] = null;
      if (options.million) {
        log('1M memories (minutes)…');
        const { runMillionInChild } = await import('./million.ts');
        million = await runMillionInChild({ embedder: config.embedder.kind }).catch((error: Error) => ({
          error: error.message,
        }));
      }
      const extras: Record<string, unknown> = {};
      for (const extra of options.extras ?? []) {
        log(`${extra.name}…`);
        try {
          extras[extra.name] = await extra.run(scratch);
        } catch (error) {
          extras[extra.name] = { error: (error as Error).message };
        }
      }
      const first = scale[0]!;
      const lastSize = scale.at(-1)!;
      const ratio = (a: number, b: number) => round(b / Math.max(a, 1e-6), 2);
      const at100k = scale.find((s) => s.memories === 100_000);
      return {
        mode: options.quick ? 'quick' : 'full',
        machine: {
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model ?? 'unknown',
          totalMemGb: round(totalmem() / 1_073_741_824, 1),
          node: process.version,
          platform: `${process.platform}-${process.arch}`,
          nodeFlags: process.execArgv,
        },
        config: {
          store: config.store.kind,
          embedder: config.embedder.kind,
          vectorPrecision: config.store.kind === 'sqlite' ? config.store.vectorPrecision : null,
        },
        modelLoad,
        engineOpenMs,
        memoryAfterLoad,
        embedding,
        sizes: scale,
        growth: {
          from: first.memories,
          to: lastSize.memories,
          storeP50: ratio(first.store.p50, lastSize.store.p50),
          searchP50: ratio(first.search.p50, lastSize.search.p50),
          searchP95: ratio(first.search.p95, lastSize.search.p95),
          searchHeavyP50: ratio(first.searchHeavy.p50, lastSize.searchHeavy.p50),
          recallP50: ratio(first.recall.p50, lastSize.recall.p50),
        },
        memoryAfterLargest,
        soak,
        extras,
        sqliteVec,
        million,
        goals: evaluateGoals(goalInputs(at100k, memoryAfterLargest, embedding, extras.http, million)),
        targets: evaluateTargets({
          storeP50Ms: lastSize.store.p50,
          retrieveP95MsAt100k: at100k ? Math.max(at100k.search.p95, at100k.searchHeavy.p95) : null,
          modelLoadMs: modelLoad.loadMs,
          rssMbAt100k: at100k ? memoryAfterLargest.rssMb : null,
          batchSpeedup: embedding.batchSpeedup,
        }),
      };
    } finally {
      await memory.close();
      if (config.store.kind === 'postgres') await dropPostgresStore(config.store.url);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function goalInputs(
  at100k: SizeResult | undefined,
  memoryAfterLargest: MemorySnapshot,
  embedding: EmbedThroughput,
  http: unknown,
  million: BenchReport['million'],
): Parameters<typeof evaluateGoals>[0] {
  const load = http && typeof http === 'object' && 'requestsPerSec' in http ? (http as HttpLoadReport) : null;
  const m = million && 'memories' in million ? million : null;
  const exact = m && 'recallAtK' in m.heavyVectorSearch ? m.heavyVectorSearch.recallAtK : null;
  const modelRows = (embedding.byEmbedder ?? []).filter(
    (row): row is Extract<typeof row, { provider: string }> =>
      'provider' in row && !/static|hash/.test(row.provider),
  );
  return {
    observeP95MsAt100k: at100k?.observe.p95 ?? null,
    recallP95MsAt100k: at100k?.recall.p95 ?? null,
    httpReqPerSec: load ? round(load.requestsPerSec, 0) : null,
    httpP99Ms: load?.latencyMs.p99 ?? null,
    heavySearchP95MsAt1M: m?.heavySearch.p95 ?? null,
    heavyRecallAt10VsExact: exact,
    rssMbAt1M: m?.memory.rssMb ?? null,
    ingest1MSec: m?.ingestSec ?? null,
    rssMbAt100k: at100k ? memoryAfterLargest.rssMb : null,
    modelBatchSpeedup: modelRows.length ? Math.max(...modelRows.map((r) => r.batchSpeedup)) : null,
  };
}

function postgresUrlOf(options: BenchOptions): string {
  if (!options.postgresUrl) throw new ValidationError('--store postgres needs --postgres-url postgres://...');
  return options.postgresUrl;
}
