/**
 * Turn-pipeline benchmark: observe a turn (all six layers, one embedMany, one insert) and
 * recall a context block for a user who already has N memories (default 10k), on the
 * embedded default (SQLite + the offline static embedder) or the in-memory store.
 *
 *   npx tsx bench/observe.ts [--existing 10000] [--turns 200] [--store sqlite|memory] [--embedder static|hash]
 *
 * Prints JSON: seeding time, and p50/p95/p99/mean/max milliseconds for observeTurn and
 * recall. Timings on a shared CPU are noisy; compare ratios from one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createMemory } from '../src/engine/engine.ts';
import type { MemoryInput } from '../src/types.ts';
import { latencyStats, timeOps } from './stats.ts';
import { sentenceGenerator } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    existing: { type: 'string', default: '10000' },
    turns: { type: 'string', default: '200' },
    store: { type: 'string', default: 'sqlite' },
    embedder: { type: 'string', default: 'static' },
  },
});
const existing = Number(values.existing);
const turns = Number(values.turns);
const dir = mkdtempSync(join(tmpdir(), 'strata-bench-observe-'));
const store =
  values.store === 'memory'
    ? { kind: 'memory' as const }
    : { kind: 'sqlite' as const, path: join(dir, 'bench.db') };
const memory = createMemory({
  dataDir: dir,
  store,
  embedder: { kind: values.embedder as 'static' },
  log: { level: 'silent' },
});

const USER_TEMPLATES = [
  (s: string) => `I live in Lisbon now. ${s}`,
  (s: string) => `I'm so nervous about my exam next Friday. ${s}`,
  (s: string) => `My sister Anna says: ${s}`,
  (s: string) => `I really love hiking, and ${s.toLowerCase()}`,
  (s: string) => s,
];

try {
  await memory.ready();
  const gen = sentenceGenerator(7);
  const userId = 'bench-user';
  const t0 = performance.now();
  for (let done = 0; done < existing; ) {
    const batch: MemoryInput[] = [];
    for (let i = 0; i < Math.min(1000, existing - done); i++) {
      const day = Math.floor(((done + i) / existing) * 300);
      batch.push({
        userId,
        layer: 'episodic',
        content: `User: ${gen.next()}`,
        createdAt: new Date(Date.UTC(2026, 0, 1) + day * 86_400_000).toISOString(),
      });
    }
    await memory.addMany(batch);
    done += batch.length;
  }
  const seedMs = performance.now() - t0;

  const observe: number[] = [];
  const stored: number[] = [];
  for (let i = 0; i < turns; i++) {
    const template = USER_TEMPLATES[i % USER_TEMPLATES.length] ?? ((s: string) => s);
    const start = performance.now();
    const result = await memory.observeTurn({
      userId,
      chatId: `chat-${Math.floor(i / 20)}`,
      timestamp: new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString(),
      messages: [
        { role: 'user', content: template(gen.next()) },
        { role: 'assistant', content: gen.next() },
      ],
    });
    observe.push(performance.now() - start);
    stored.push(result.stored.length);
  }
  const recall = await timeOps(Math.min(turns, 100), () =>
    memory.recall({ userId, messages: [{ role: 'user', content: gen.next() }] }),
  );
  const stats = await memory.stats(userId);
  console.log(
    JSON.stringify(
      {
        store: values.store,
        embedder: values.embedder,
        existing,
        memoriesAfter: stats.memories,
        seedMs: Math.round(seedMs),
        memoriesPerTurn: stored.reduce((a, b) => a + b, 0) / Math.max(1, stored.length),
        observeTurnMs: latencyStats(observe),
        recallMs: recall,
      },
      null,
      2,
    ),
  );
} finally {
  await memory.close();
  rmSync(dir, { recursive: true, force: true });
}
