/**
 * Focused search-latency benchmark: one SQLite store of --size memories owned by one user
 * (bench/search.ts's corpus, seedSearchCorpus), opened once, then memory.search
 * (hybrid top-10) timed alone, with the time split by stage (embed, vector search, keyword
 * search, getMany; the rest is parsing and fusion) through thin wrappers around the store
 * and embedder. The seeded file can be kept (--db PATH; seeded when missing) so repeated
 * runs, profiles and before/after trees skip the 30 s fill.
 *
 *   npx tsx bench/search-latency.ts [--size 100000] [--ops 300] [--warmup 30] [--db /tmp/x.db]
 *     [--keyword-index memory|fts5] [--rounds 1]
 *
 * Prints one JSON line per round (p50/p95/p99 ms overall and per stage). The first keyword
 * search builds the in-process keyword index; it is part of the warm-up, not the samples.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateConfig } from '../src/config/load.ts';
import { createEmbedder } from '../src/embedders/create-embedder.ts';
import type { Embedder } from '../src/embedders/types.ts';
import { createMemory } from '../src/engine/engine.ts';
import { createStore } from '../src/stores/create-store.ts';
import type { MemoryStore } from '../src/stores/types.ts';
import { latencyStats } from './stats.ts';
import { seedSearchCorpus, sentenceGenerator } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    ops: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '1' },
    db: { type: 'string', default: '' },
    'keyword-index': { type: 'string', default: 'memory' },
  },
});
const size = Number(values.size);
const ops = Number(values.ops);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const USER = 'bench-user';

const tempDir = values.db ? null : mkdtempSync(join(tmpdir(), 'strata-bench-latency-'));
const dbPath = values.db || join(tempDir!, 'bench.db');
const seeded = existsSync(dbPath);
const config = validateConfig({
  dataDir: tempDir ?? tmpdir(),
  store: { kind: 'sqlite', path: dbPath, keywordIndex: values['keyword-index'] as 'memory' | 'fts5' },
  embedder: { kind: 'static' },
  log: { level: 'silent' },
});

const stage = { embed: 0, vector: 0, keyword: 0, getMany: 0 };
const timed = <A extends unknown[], R>(key: keyof typeof stage, fn: (...args: A) => Promise<R>) => {
  return async (...args: A): Promise<R> => {
    const t0 = performance.now();
    try {
      return await fn(...args);
    } finally {
      stage[key] += performance.now() - t0;
    }
  };
};
const store: MemoryStore = createStore(config);
const embedder: Embedder = createEmbedder(config);
store.vectorSearch = timed('vector', store.vectorSearch.bind(store));
store.keywordSearch = timed('keyword', store.keywordSearch.bind(store));
store.getMany = timed('getMany', store.getMany.bind(store));
embedder.embed = timed('embed', embedder.embed.bind(embedder));

const memory = createMemory(config, { store, embedder });
try {
  await memory.ready();
  if (!seeded) {
    const ms = await seedSearchCorpus(memory, size, [USER]);
    console.error(`seeded ${size} in ${Math.round(ms)} ms`);
  }
  const gen = sentenceGenerator(99);
  const t0 = performance.now();
  for (let i = 0; i < warmup; i++) await memory.search({ userId: USER, query: gen.next(), k: 10 });
  console.error(`warm-up ${warmup} searches: ${Math.round(performance.now() - t0)} ms`);
  for (let round = 0; round < rounds; round++) {
    const samples: number[] = [];
    const stages: Record<keyof typeof stage, number[]> = { embed: [], vector: [], keyword: [], getMany: [] };
    for (let i = 0; i < ops; i++) {
      const query = gen.next();
      for (const key of Object.keys(stage) as Array<keyof typeof stage>) stage[key] = 0;
      const s0 = performance.now();
      await memory.search({ userId: USER, query, k: 10 });
      samples.push(performance.now() - s0);
      for (const key of Object.keys(stage) as Array<keyof typeof stage>) stages[key].push(stage[key]);
    }
    const total = latencyStats(samples);
    const brief = (s: number[]) => {
      const l = latencyStats(s);
      return { p50: l.p50, p95: l.p95, mean: l.mean };
    };
    const line = {
      size,
      round,
      search: total,
      embed: brief(stages.embed),
      vector: brief(stages.vector),
      keyword: brief(stages.keyword),
      getMany: brief(stages.getMany),
    };
    console.log(JSON.stringify(line));
    console.error(
      `round ${round}: search p50/p95/p99 ${total.p50}/${total.p95}/${total.p99} ms (max ${total.max}); ` +
        `mean embed ${line.embed.mean} vector ${line.vector.mean} keyword ${line.keyword.mean} getMany ${line.getMany.mean}`,
    );
  }
} finally {
  await memory.close();
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
}
