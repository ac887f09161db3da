/**
 * Hot-path latency benchmark for the embedded default (SQLite temp file + offline static
 * embedder): add (embed + write), search (hybrid top-10), recall and observeTurn, at one or
 * more store sizes. Seeding uses addMany in batches of 1000, so 100k memories take seconds.
 * "one" measures a single user owning every memory sequentially; "many" spreads the same
 * memories over --users users and runs --concurrency requests at once (the HTTP server's
 * situation, minus sockets), reporting per-request latency.
 *
 *   npx tsx bench/search.ts [--sizes 1000,10000,100000] [--ops 200] [--users 50] [--concurrency 50]
 *     [--keyword-index fts5,memory]   (SQLite store.keywordIndex settings to compare; default: the store's)
 *
 * Prints one JSON line per size. The CPU is shared: compare numbers from the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMemory } from '../src/engine/engine.ts';
import { type LatencyStats, latencyStats } from './stats.ts';
import { seedSearchCorpus, sentenceGenerator } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    ops: { type: 'string', default: '200' },
    users: { type: 'string', default: '50' },
    concurrency: { type: 'string', default: '50' },
    mode: { type: 'string', default: 'one,many' },
    'keyword-index': { type: 'string', default: '' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const ops = Number(values.ops);
const manyUsers = Number(values.users);
const concurrency = Number(values.concurrency);
const modes = values.mode.split(',');
const keywordIndexes = values['keyword-index'] ? values['keyword-index'].split(',') : [''];

type Op = (i: number) => Promise<unknown>;

/** Runs ops with at most `parallel` in flight; returns per-op latency. */
async function measure(n: number, parallel: number, op: Op): Promise<LatencyStats> {
  const samples: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      await op(i);
      samples.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return latencyStats(samples);
}

async function run(size: number, mode: string, keywordIndex: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-search-'));
  const memory = createMemory({
    dataDir: dir,
    store: {
      kind: 'sqlite',
      path: join(dir, 'bench.db'),
      ...(keywordIndex === 'memory' || keywordIndex === 'fts5' ? { keywordIndex } : {}),
    },
    embedder: { kind: 'static' },
    log: { level: 'silent' },
  });
  try {
    await memory.ready();
    const users = mode === 'many' ? Array.from({ length: manyUsers }, (_, i) => `user-${i}`) : ['bench-user'];
    const parallel = mode === 'many' ? concurrency : 1;
    const seedMs = await seedSearchCorpus(memory, size, users);
    const gen = sentenceGenerator(99);
    const user = (i: number) => users[i % users.length]!;
    const add = await measure(ops, parallel, (i) =>
      memory.add({ userId: user(i), layer: 'episodic', content: gen.next() }),
    );
    const search = await measure(ops, parallel, (i) =>
      memory.search({ userId: user(i), query: gen.next(), k: 10 }),
    );
    const observe = await measure(ops, parallel, (i) =>
      memory.observeTurn({
        userId: user(i),
        chatId: `chat-${Math.floor(i / 20)}`,
        timestamp: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
        messages: [
          { role: 'user', content: `I live in Lisbon now. My sister Anna says: ${gen.next()}` },
          { role: 'assistant', content: gen.next() },
        ],
      }),
    );
    const recall = await measure(ops, parallel, (i) =>
      memory.recall({ userId: user(i), messages: [{ role: 'user', content: gen.next() }] }),
    );
    const rssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
    return {
      size,
      mode,
      ...(keywordIndex ? { keywordIndex } : {}),
      users: users.length,
      parallel,
      seedMs: Math.round(seedMs),
      rssMb,
      add,
      search,
      observe,
      recall,
    };
  } finally {
    await memory.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const brief = (s: LatencyStats) => `${s.p50}/${s.p95}`;
for (const size of sizes) {
  for (const mode of modes)
    for (const keywordIndex of keywordIndexes) {
      const r = await run(size, mode, keywordIndex);
      console.log(JSON.stringify(r));
      console.error(
        `${size} ${mode}${keywordIndex ? ` ${keywordIndex}` : ''}: add ${brief(r.add as LatencyStats)}  search ${brief(r.search as LatencyStats)}  observe ${brief(r.observe as LatencyStats)}  recall ${brief(r.recall as LatencyStats)}  (p50/p95 ms, rss ${r.rssMb} MB)`,
      );
    }
}
