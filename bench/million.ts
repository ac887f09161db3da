/**
 * The million-memory row of `strata bench --million`: one fresh SQLite store grown to 1M
 * memories by `addMany` (one heavy user owns every fifth, 200k; the rest spread over 1,000
 * users), then the ingest time, resident memory after a full GC, search latency for the
 * heavy user (hybrid, the default, and vector only) and for light users, and the heavy
 * user's vector top-10 against sqlite-vec's exact answer over the same stored vectors
 * (recall@10 vs exact). Also runnable alone:
 *
 *   npx tsx bench/million.ts [--size 1000000] [--ops 200] [--json]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { validateConfig } from '../src/config/load.ts';
import type { StrataConfig } from '../src/config/schema.ts';
import { createEmbedder } from '../src/embedders/create-embedder.ts';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { packagePath } from '../src/util/package-root.ts';
import { plainSqliteConfig, runSqliteVecPeer, type VecPeerReport } from './peers/sqlite-vec.ts';
import { HEAVY_USER, ownerOf } from './scale.ts';
import { type LatencyStats, type MemorySnapshot, memorySnapshot, round, timeOps } from './stats.ts';
import { sentenceGenerator, userIdFor } from './synthetic.ts';

export interface MillionReport {
  memories: number;
  heavyUserMemories: number;
  users: number;
  ingestSec: number;
  ingestPerSec: number;
  memory: MemorySnapshot;
  kbPerMemory: number;
  heavySearch: LatencyStats;
  heavyVectorSearch: VecPeerReport | { error: string };
  lightSearch: LatencyStats;
}

const QUESTIONS = ['Where do I live?', 'What food do I like?', 'When is my exam?', 'What is my job?'];

export async function runMillion(
  config: StrataConfig,
  open: (config: StrataConfig) => Promise<StrataMemory>,
  scratch: string,
  options: { size?: number; users?: number; ops?: number; onFill?: (done: number) => void } = {},
): Promise<MillionReport> {
  const size = options.size ?? 1_000_000;
  const users = options.users ?? 1_000;
  const ops = options.ops ?? 200;
  const dbPath = join(scratch, 'million.db');
  const before = memorySnapshot();
  const memory = await open(plainSqliteConfig(config, dbPath));
  const gen = sentenceGenerator(1_000_000);
  try {
    await memory.ready();
    const t0 = performance.now();
    const batch = 1_000;
    for (let done = 0; done < size; done += batch) {
      const n = Math.min(batch, size - done);
      await memory.addMany(
        Array.from({ length: n }, (_, i) => ({
          userId: ownerOf(done + i, users),
          layer: 'episodic' as const,
          content: gen.next(),
        })),
      );
      options.onFill?.(done + n);
    }
    const ingestMs = performance.now() - t0;
    const after = memorySnapshot();
    const query = (i: number) => `${QUESTIONS[i % QUESTIONS.length]} ${gen.next().slice(0, 30)}`;
    const heavySearch = await timeOps(ops, (i) =>
      memory.search({ userId: HEAVY_USER, query: query(i), k: 10 }),
    );
    const lightSearch = await timeOps(ops, (i) =>
      memory.search({ userId: userIdFor(i * 7_919, users), query: query(i), k: 10 }),
    );
    let heavyVectorSearch: MillionReport['heavyVectorSearch'];
    const embedder = createEmbedder(config);
    try {
      await embedder.ready();
      heavyVectorSearch = await runSqliteVecPeer({
        memory,
        embedder,
        dbPath,
        userId: HEAVY_USER,
        queries: Array.from({ length: Math.min(ops, 100) }, (_, i) => query(i)),
      });
    } catch (error) {
      heavyVectorSearch = { error: (error as Error).message };
    } finally {
      await embedder.close();
    }
    return {
      memories: size,
      heavyUserMemories: Math.ceil(size / 5),
      users: users + 1,
      ingestSec: round(ingestMs / 1000, 1),
      ingestPerSec: round((size / ingestMs) * 1000, 0),
      memory: after,
      kbPerMemory: round(((after.rssMb - before.rssMb) * 1024) / size, 3),
      heavySearch,
      heavyVectorSearch,
      lightSearch,
    };
  } finally {
    await memory.close();
  }
}

/**
 * {@link runMillion} in a child process of its own, so its resident memory is the 1M store's
 * alone and not added to the bench's own stores. Uses the embedded default with `embedder`.
 */
export async function runMillionInChild(options: {
  embedder: string;
  size?: number;
}): Promise<MillionReport> {
  // From the package root, not import.meta.url: in the bundled CLI this module shares the bundle's URL.
  const args = ['--import', import.meta.resolve('tsx'), packagePath('bench/million.ts')];
  args.push('--embedder', options.embedder, '--size', String(options.size ?? 1_000_000));
  const { stdout } = await promisify(execFile)(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  return JSON.parse(stdout) as MillionReport;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1000000' },
      ops: { type: 'string', default: '200' },
      embedder: { type: 'string', default: 'static' },
    },
  });
  const scratch = mkdtempSync(join(tmpdir(), 'strata-million-'));
  try {
    const config = validateConfig({
      dataDir: scratch,
      embedder: { kind: values.embedder },
      log: { level: 'error' },
    });
    const report = await runMillion(config, async (c) => createMemory(c), scratch, {
      size: Number(values.size),
      ops: Number(values.ops),
      onFill: (done) => {
        if (done % 100_000 === 0) process.stderr.write(`${done} memories\n`);
      },
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
