/**
 * Leak check: repeated observe/recall cycles after a warm-up, with heap and RSS sampled
 * (after a forced GC) at the start and end, reported as growth per 10k operations. A
 * bounded cache legitimately fills during warm-up; steady growth after it is a leak.
 */
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { memorySnapshot, round } from './stats.ts';
import { sentenceGenerator } from './synthetic.ts';

export interface SoakResult {
  warmupOps: number;
  ops: number;
  heapStartMb: number;
  heapEndMb: number;
  rssStartMb: number;
  rssEndMb: number;
  heapGrowthMbPer10k: number;
  rssGrowthMbPer10k: number;
  opsPerSec: number;
  /** Memories stored during the measured ops: part of the growth is live data, not a leak. */
  memoriesAdded: number;
  heapKbPerMemoryAdded: number | null;
}

export async function runSoak(memory: StrataMemory, ops: number, warmupOps: number): Promise<SoakResult> {
  const gen = sentenceGenerator(1234);
  // A handful of users so each user's history grows like a real long chat.
  const cycle = async (i: number) => {
    const userId = `soak-user-${i % 8}`;
    if (i % 2 === 0) {
      await memory.observeTurn({
        userId,
        chatId: `soak-${i % 3}`,
        messages: [
          { role: 'user', content: gen.next() },
          { role: 'assistant', content: 'Noted.' },
        ],
      });
    } else {
      await memory.recall({ userId, messages: [{ role: 'user', content: gen.next() }] });
    }
  };
  for (let i = 0; i < warmupOps; i += 1) await cycle(i);
  const countStart = (await memory.stats()).memories;
  const start = memorySnapshot();
  const t0 = performance.now();
  for (let i = 0; i < ops; i += 1) await cycle(warmupOps + i);
  const elapsed = performance.now() - t0;
  const end = memorySnapshot();
  const added = (await memory.stats()).memories - countStart;
  const per10k = (v: number) => round((v / ops) * 10_000, 2);
  return {
    warmupOps,
    ops,
    heapStartMb: start.heapUsedMb,
    heapEndMb: end.heapUsedMb,
    rssStartMb: start.rssMb,
    rssEndMb: end.rssMb,
    heapGrowthMbPer10k: per10k(end.heapUsedMb - start.heapUsedMb),
    rssGrowthMbPer10k: per10k(end.rssMb - start.rssMb),
    opsPerSec: round((ops / elapsed) * 1000, 0),
    memoriesAdded: added,
    heapKbPerMemoryAdded: added > 0 ? round(((end.heapUsedMb - start.heapUsedMb) * 1024) / added, 2) : null,
  };
}
