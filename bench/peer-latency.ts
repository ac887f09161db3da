/**
 * Side-by-side add/search latency of Strata and a peer (mem0) in this process, on the same
 * synthetic sentences, one user, the same embedding model (a separate Strata embedder
 * instance feeds the peer). Each system embeds each text once, so caches favour neither.
 */
import { join } from 'node:path';
import type { StrataConfig } from '../src/config/schema.ts';
import { createEmbedder } from '../src/embedders/create-embedder.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { createMem0Peer } from './peers/mem0/mem0-peer.ts';
import { type LatencyStats, round, timeOps } from './stats.ts';
import { sentenceGenerator } from './synthetic.ts';

export interface PeerLatencyReport {
  peer: string;
  version: string;
  memories: number;
  embedder: string;
  strata: { add: LatencyStats; search: LatencyStats };
  peerDisk: { add: LatencyStats; search: LatencyStats };
  peerInMemory: { add: LatencyStats; search: LatencyStats };
  /** peer / strata, p50 and p95 (above 1: Strata is faster). */
  ratios: { addP50: number; addP95: number; searchP50: number; searchP95: number };
}

/** The questions of the side-by-side runs (each asked with a varying detail appended). */
export const PEER_QUESTIONS = [
  'Where do I live?',
  'What am I allergic to?',
  'What hobby am I learning?',
  'When is my exam?',
];

export async function runPeerLatency(
  config: StrataConfig,
  open: (config: StrataConfig) => Promise<StrataMemory>,
  scratch: string,
  memories: number,
  searches: number,
): Promise<PeerLatencyReport> {
  const gen = sentenceGenerator(2024);
  const texts = Array.from({ length: memories }, () => gen.next());
  const queries = Array.from(
    { length: searches },
    (_, i) => `${PEER_QUESTIONS[i % PEER_QUESTIONS.length]} ${gen.next().slice(0, 30)}`,
  );
  const strataConfig: StrataConfig = {
    ...config,
    store:
      config.store.kind === 'sqlite'
        ? { ...config.store, path: join(scratch, `peer-strata-${memories}.db`) }
        : config.store,
  };
  const memory = await open(strataConfig);
  let strata: PeerLatencyReport['strata'];
  try {
    await memory.ready();
    const add = await timeOps(memories, (i) =>
      memory.add({ userId: 'peer-user', layer: 'episodic', content: texts[i]! }),
    );
    const search = await timeOps(searches, (i) =>
      memory.search({ userId: 'peer-user', query: queries[i]!, k: 10 }),
    );
    strata = { add, search };
  } finally {
    await memory.close();
  }
  const runPeer = async (onDisk: boolean) => {
    const embedder = createEmbedder(config);
    await embedder.ready();
    try {
      const peer = await createMem0Peer(embedder, scratch, {
        name: `${onDisk ? 'disk' : 'mem'}-${memories}`,
        onDisk,
      });
      const add = await timeOps(memories, (i) => peer.add('peer-user', texts[i]!));
      const search = await timeOps(searches, (i) => peer.search('peer-user', queries[i]!, 10));
      return { peer, add, search };
    } finally {
      await embedder.close();
    }
  };
  const disk = await runPeer(true);
  const inMemory = await runPeer(false);
  const ratio = (peer: number, ours: number) => round(peer / Math.max(ours, 1e-6), 1);
  return {
    peer: 'mem0ai/oss (infer:false, provider memory)',
    version: disk.peer.version,
    memories,
    embedder: config.embedder.kind,
    strata,
    peerDisk: { add: disk.add, search: disk.search },
    peerInMemory: { add: inMemory.add, search: inMemory.search },
    ratios: {
      addP50: ratio(disk.add.p50, strata.add.p50),
      addP95: ratio(disk.add.p95, strata.add.p95),
      searchP50: ratio(disk.search.p50, strata.search.p50),
      searchP95: ratio(disk.search.p95, strata.search.p95),
    },
  };
}
