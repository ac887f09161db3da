/**
 * Resident-memory benchmark for the embedded default (SQLite temp file + static embedder):
 * fills N memories with bench/scale.ts's user mix (every 5th memory to one heavy user, the
 * rest spread over --users users), runs a few searches and one observed turn (which loads
 * the NLP layers), forces GC, and prints one JSON line: process.memoryUsage() after each
 * phase (startup, fill, search, observe) plus the vector index's own typed-array accounting
 * (rows vs capacity, int8 shadow bytes), the keyword index's (when store.keywordIndex is
 * 'memory') and V8's heap spaces. Run with --expose-gc so the numbers are settled:
 *
 *   node --expose-gc --import tsx bench/memory.ts [--size 100000] [--users 200]
 *     [--precision float32|int8] [--keyword-index fts5|memory] [--strata-bench]
 *
 * --strata-bench fills the way `strata bench` does before its "RSS after 100k" check (model
 * load, embedding throughput, scale runs 1k/10k/100k with 300 searches each) instead of the
 * plain fill, so the "fill" phase is that check's number.
 *
 * The CPU is shared; memory numbers are stable to a few MB across runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { getHeapSpaceStatistics } from 'node:v8';
import { validateConfig } from '../src/config/load.ts';
import { createMemory } from '../src/engine/engine.ts';
import { createStore } from '../src/stores/create-store.ts';
import type { KeywordIndex } from '../src/stores/keyword-index/keyword-index.ts';
import type { VectorIndex } from '../src/stores/vector-index/vector-index.ts';
import type { MemoryInput } from '../src/types.ts';
import { measureEmbedding, measureModelLoad } from './embed-throughput.ts';
import { runScale } from './scale.ts';
import { round } from './stats.ts';
import { sentenceGenerator, userIdFor } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    users: { type: 'string', default: '200' },
    precision: { type: 'string' },
    'keyword-index': { type: 'string' },
    'strata-bench': { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
const users = Number(values.users);
const HEAVY = 'bench-user-heavy';
const MB = 1024 * 1024;
const mb = (bytes: number) => round(bytes / MB, 1);

function snapshot(): Record<string, number> {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return {
    rss: mb(m.rss),
    heapUsed: mb(m.heapUsed),
    heapTotal: mb(m.heapTotal),
    external: mb(m.external),
    arrayBuffers: mb(m.arrayBuffers),
  };
}

const dir = mkdtempSync(join(tmpdir(), 'strata-bench-memory-'));
try {
  const store: Record<string, unknown> = { kind: 'sqlite', path: join(dir, 'bench.db') };
  if (values.precision) store.vectorPrecision = values.precision;
  if (values['keyword-index']) store.keywordIndex = values['keyword-index'];
  const config = validateConfig({ dataDir: dir, store });
  const memoryStore = createStore(config);
  const memory = createMemory(config, { store: memoryStore });
  const phases: Record<string, Record<string, number>> = {};
  await memory.search({ userId: HEAVY, query: 'warm up', k: 10 });
  phases.startup = snapshot();
  const gen = sentenceGenerator(7);
  if (values['strata-bench']) {
    // what `strata bench` does before its "RSS after 100k" snapshot: cold model load,
    // embedding throughput, then the 1k/10k/100k scale runs with their searches
    await measureModelLoad(config);
    await measureEmbedding(config, 2_000);
    const sizes = [1_000, 10_000, 100_000].filter((n) => n < size);
    await runScale(memory, { sizes: [...sizes, size], users, ops: 300 });
  } else {
    for (let done = 0; done < size; ) {
      const batch: MemoryInput[] = [];
      for (let i = 0; i < Math.min(1000, size - done); i++) {
        const n = done + i;
        batch.push({
          userId: n % 5 === 0 ? HEAVY : userIdFor(n, users),
          layer: 'episodic',
          content: gen.next(),
        });
      }
      await memory.addMany(batch);
      done += batch.length;
    }
  }
  phases.fill = snapshot();
  for (let i = 0; i < 50; i++) {
    const userId = i % 2 === 0 ? HEAVY : userIdFor(i * 7919, users);
    await memory.search({ userId, query: `${gen.next().split(' ').slice(0, 5).join(' ')}`, k: 10 });
  }
  phases.search = snapshot();
  await memory.observeTurn({
    userId: userIdFor(1, users),
    chatId: 'bench-memory',
    messages: [
      { role: 'user', content: `I moved to Lisbon with my sister Anna. ${gen.next()}` },
      { role: 'assistant', content: 'That sounds exciting.' },
    ],
  });
  phases.observe = snapshot();
  // V8's spaces at the end: committed (size) vs live (used); new_space is the young generation
  const heapSpaces = Object.fromEntries(
    getHeapSpaceStatistics().map((s) => [
      s.space_name,
      { size: mb(s.space_size), used: mb(s.space_used_size) },
    ]),
  );
  // the store's in-process indexes (private: reached through a cast, bench only)
  const internals = memoryStore as unknown as {
    indexes?: {
      readyKeywords(c: unknown): Partial<KeywordIndex>;
      currentVectors(c: unknown, dimensions: undefined): VectorIndex | null;
    };
    conn?: () => unknown;
  };
  const conn = internals.conn?.call(memoryStore);
  const keywordStats =
    internals.indexes && (config.store.kind !== 'sqlite' || config.store.keywordIndex !== 'fts5')
      ? internals.indexes.readyKeywords(conn).memoryStats?.()
      : undefined;
  const keywordIndexStats = keywordStats && { ...keywordStats, mb: mb(keywordStats.bytes) };
  const stats = internals.indexes?.currentVectors(conn, undefined)?.memoryStats();
  const vectorIndex = stats && {
    ...stats,
    mb: mb(stats.bytes),
    shadowMb: mb(stats.shadowBytes),
    slackRows: stats.capacity - stats.rows,
  };
  await memory.close();
  console.log(
    JSON.stringify({
      size,
      users,
      keywordIndex: values['keyword-index'] ?? 'default',
      fill: values['strata-bench'] ? 'strata-bench' : 'plain',
      precision: config.store.kind === 'sqlite' ? config.store.vectorPrecision : config.store.kind,
      phases,
      vectorIndex,
      keywordIndexStats,
      heapSpaces,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
