/**
 * The scale part of `strata bench`: grows one store to each size (1k, 10k, 100k memories
 * over many users) and, at each size, times the four product operations — store one
 * memory (embed + write), observe a turn, search top-10, recall — with fresh, never-seen
 * text so the embedding cache does not flatter the numbers. The store's vector index is
 * partitioned per user, so search is also timed for one heavy user holding 20% of all
 * memories (20k at 100k): the honest worst case for the retrieve target.
 */
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import type { MemoryInput } from '../src/types.ts';
import { type LatencyStats, type MemorySnapshot, memorySnapshot, round, timeOps } from './stats.ts';
import { sentenceGenerator, userIdFor } from './synthetic.ts';

export interface SizeResult {
  memories: number;
  fillMs: number;
  fillPerSec: number;
  store: LatencyStats;
  observe: LatencyStats;
  search: LatencyStats;
  recall: LatencyStats;
  /** Search top-10 for the heavy user who holds 20% of all memories. */
  searchHeavy: LatencyStats;
  memory: MemorySnapshot;
}

/** One heavy user holds every fifth memory (20%); the rest spread over many users. */
export const HEAVY_USER = 'bench-user-heavy';
export function ownerOf(index: number, users: number): string {
  return index % 5 === 0 ? HEAVY_USER : userIdFor(index, users);
}

export interface ScaleOptions {
  sizes: number[];
  users: number;
  /** Timed operations per kind at each size. */
  ops: number;
  fillBatch?: number;
  onFill?: (done: number, total: number) => void;
}

const QUESTIONS = [
  'Where do I live?',
  'What food do I like?',
  'What am I allergic to?',
  'When is my exam?',
  'What pets do we have?',
  'What book did my friend recommend?',
  'How do I feel about the trip?',
  'What hobby am I learning?',
  'Where did I travel last summer?',
  'What is my job?',
];

export async function runScale(memory: StrataMemory, options: ScaleOptions): Promise<SizeResult[]> {
  const gen = sentenceGenerator(7);
  const batch = options.fillBatch ?? 500;
  const results: SizeResult[] = [];
  let count = 0;
  let opCounter = 0;
  const maxSize = Math.max(...options.sizes);
  for (const size of [...options.sizes].sort((a, b) => a - b)) {
    const t0 = performance.now();
    const before = count;
    while (count < size) {
      const n = Math.min(batch, size - count);
      const inputs: MemoryInput[] = [];
      for (let i = 0; i < n; i += 1) {
        inputs.push({ userId: ownerOf(count + i, options.users), layer: 'episodic', content: gen.next() });
      }
      await memory.addMany(inputs);
      count += n;
      options.onFill?.(count, maxSize);
    }
    const fillMs = performance.now() - t0;
    const user = (i: number) => userIdFor(opCounter + i * 7919, options.users);
    const store = await timeOps(options.ops, (i) =>
      memory.add({ userId: user(i), layer: 'episodic', content: gen.next() }),
    );
    const observe = await timeOps(options.ops, (i) =>
      memory.observeTurn({
        userId: user(i),
        chatId: `bench-chat-${i % 13}`,
        messages: [
          { role: 'user', content: gen.next() },
          { role: 'assistant', content: `That sounds good. ${gen.next()}` },
        ],
      }),
    );
    // Fresh query text each time: the question plus a varying detail, so nothing is cached.
    const query = (i: number) =>
      `${QUESTIONS[i % QUESTIONS.length]} ${gen.next().split(' ').slice(0, 4).join(' ')}`;
    const search = await timeOps(options.ops, (i) =>
      memory.search({ userId: user(i), query: query(i), k: 10 }),
    );
    const recall = await timeOps(options.ops, (i) =>
      memory.recall({ userId: user(i), messages: [{ role: 'user', content: query(i) }] }),
    );
    const searchHeavy = await timeOps(options.ops, (i) =>
      memory.search({ userId: HEAVY_USER, query: query(i + 1), k: 10 }),
    );
    opCounter += options.ops;
    count += options.ops * 2;
    results.push({
      memories: size,
      fillMs: round(fillMs, 0),
      fillPerSec: round(((size - before) / Math.max(1, fillMs)) * 1000, 0),
      store,
      observe,
      search,
      recall,
      searchHeavy,
      memory: memorySnapshot(),
    });
  }
  return results;
}
