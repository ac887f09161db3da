/**
 * mem0 (npm `mem0ai`, `mem0ai/oss` Memory) as a side-by-side peer, in this process, with
 * Strata's own embedder passed through mem0's `langchain` embedder hook so both systems
 * rank the same vectors. Offline per ../shared/PEERS.md: telemetry off, MEM0_DIR in a
 * scratch dir, the LLM pointed at a dead local port (infer:false never calls it; if it did,
 * the call would fail loudly). mem0ai is installed on demand in this folder (its own
 * package-lock, peer dependencies omitted), never in the product's dependencies.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Embedder } from '../../../src/embedders/types.ts';
import { packagePath } from '../../../src/util/package-root.ts';

// From the package root, not import.meta.url: bundled into dist/strata.mjs this module would
// otherwise look for (and install) mem0 beside the bundle, and npm would walk up to the
// project's own package.json.
const HERE = packagePath('bench/peers/mem0');

export interface PeerHit {
  text: string;
  score: number;
  metadata: Record<string, unknown>;
}

export interface Mem0Peer {
  readonly version: string;
  add(userId: string, text: string, metadata?: Record<string, unknown>): Promise<void>;
  search(userId: string, query: string, k: number): Promise<PeerHit[]>;
  close(): Promise<void>;
}

interface Mem0Memory {
  add(
    messages: Array<{ role: string; content: string }>,
    config: { userId: string; infer: boolean; metadata?: Record<string, unknown> },
  ): Promise<unknown>;
  search(
    query: string,
    config: { filters: { user_id: string }; topK: number; threshold: number },
  ): Promise<{ results: Array<{ memory: string; score: number; metadata?: Record<string, unknown> }> }>;
}

type Mem0Ctor = new (config: Record<string, unknown>) => Mem0Memory;

/** Installs mem0ai here from the committed lock file when it is missing. */
export function ensureMem0Installed(): void {
  if (existsSync(join(HERE, 'node_modules/mem0ai/package.json'))) return;
  execFileSync('npm', ['ci', '--omit=peer', '--legacy-peer-deps', '--no-audit', '--no-fund'], {
    cwd: HERE,
    // npm's summary goes to stderr: stdout carries `strata bench --json`.
    stdio: ['ignore', 2, 2],
  });
}

export function mem0Version(): string {
  const pkg = JSON.parse(readFileSync(join(HERE, 'node_modules/mem0ai/package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

let loaded: Promise<Mem0Ctor> | null = null;

/** Loads mem0ai/oss once; the environment must be set before its module initializes. */
function loadMem0(scratch: string): Promise<Mem0Ctor> {
  if (!loaded) {
    ensureMem0Installed();
    process.env.MEM0_TELEMETRY = 'false';
    process.env.MEM0_DIR = scratch;
    const entry = join(HERE, 'node_modules/mem0ai/dist/oss/index.mjs');
    loaded = import(entry).then((m: { Memory: Mem0Ctor }) => m.Memory);
  }
  return loaded;
}

/** Strata's embedder in the shape mem0's langchain hook expects (plain number arrays). */
function langchainAdapter(embedder: Embedder) {
  return {
    async embedQuery(text: string): Promise<number[]> {
      return Array.from(await embedder.embed(text));
    },
    async embedDocuments(texts: string[]): Promise<number[][]> {
      return (await embedder.embedMany(texts)).map((v) => Array.from(v));
    },
  };
}

export async function createMem0Peer(
  embedder: Embedder,
  scratch: string,
  options: { name: string; onDisk: boolean },
): Promise<Mem0Peer> {
  const Memory = await loadMem0(scratch);
  const memory = new Memory({
    version: 'v1.1',
    embedder: { provider: 'langchain', config: { model: langchainAdapter(embedder) } },
    vectorStore: {
      provider: 'memory',
      config: {
        collectionName: options.name,
        dimension: embedder.dimensions,
        dbPath: options.onDisk ? join(scratch, `${options.name}-vectors.db`) : ':memory:',
      },
    },
    llm: {
      provider: 'openai',
      config: { apiKey: 'offline', baseURL: 'http://127.0.0.1:59999/v1', model: 'none' },
    },
    disableHistory: true,
  });
  return {
    version: mem0Version(),
    async add(userId, text, metadata) {
      await memory.add([{ role: 'user', content: text }], {
        userId,
        infer: false,
        ...(metadata ? { metadata } : {}),
      });
    },
    async search(userId, query, k) {
      const out = await memory.search(query, { filters: { user_id: userId }, topK: k, threshold: 0 });
      return out.results.map((r) => ({ text: r.memory, score: r.score, metadata: r.metadata ?? {} }));
    },
    async close() {},
  };
}
