/**
 * Vector index benchmark: brute-force Float32 and Int8 scans (the SQLite store's in-process
 * index, src/stores/vector-index) against HNSW (hnswlib-node, when it can be loaded) at 10k
 * and 100k vectors of 256 and 512 dimensions. Data is clustered (like real embeddings:
 * 200 topic centres plus noise), queries are held-out points. Reports top-10 latency
 * p50/p95, recall@10 against the exact Float32 answer, build time and index memory.
 *
 *   npx tsx bench/vector-index.ts                 # all sizes
 *   SIZES=10000 DIMS=256 npx tsx bench/vector-index.ts
 *   HNSWLIB=/path/to/node_modules/hnswlib-node npx tsx bench/vector-index.ts
 *   HNSW=0 npx tsx bench/vector-index.ts          # skip HNSW (its 100k builds take minutes)
 *
 * hnswlib-node is not a project dependency (its native build needs npm install scripts);
 * the bench loads it from HNSWLIB or a plain `import('hnswlib-node')` and skips it otherwise.
 */
import { VectorIndex } from '../src/stores/vector-index/vector-index.ts';
import { seededRng } from './synthetic.ts';

const SIZES = (process.env.SIZES ?? '10000,100000').split(',').map(Number);
const DIMS = (process.env.DIMS ?? '256,512').split(',').map(Number);
const QUERIES = Number(process.env.QUERIES ?? 200);
const K = 10;

function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

function dataset(n: number, dims: number, seed: number): Float32Array[] {
  const next = seededRng(seed);
  const centres = Array.from({ length: 200 }, () =>
    Float32Array.from({ length: dims }, () => gaussian(next)),
  );
  return Array.from({ length: n }, () => {
    const c = centres[Math.floor(next() * centres.length)]!;
    const v = Float32Array.from({ length: dims }, (_, i) => c[i]! + 0.6 * gaussian(next));
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    for (let i = 0; i < dims; i++) v[i] = v[i]! / norm;
    return v;
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Row {
  n: number;
  dims: number;
  method: string;
  buildMs: number;
  p50: number;
  p95: number;
  /** CPU time per query (ms): less distorted than wall time when the machine is shared. */
  cpu50: number;
  cpu95: number;
  recall: number;
  memMB: number;
}

/** Exact top-10 by float64 dot products (the reference answer). */
function exact(vectors: Float32Array[], queries: Float32Array[], ids: string[]): string[][] {
  return queries.map((q) => {
    const scored = vectors.map((v, i) => {
      let s = 0;
      for (let d = 0; d < v.length; d++) s += v[d]! * q[d]!;
      return { id: ids[i]!, s };
    });
    scored.sort((a, b) => b.s - a.s);
    return scored.slice(0, K).map((r) => r.id);
  });
}

function recallAt(truth: string[][], got: string[][]): number {
  let hit = 0;
  truth.forEach((t, i) => {
    const set = new Set(got[i]);
    for (const id of t) if (set.has(id)) hit++;
  });
  return hit / (truth.length * K);
}

function timeQueries(
  queries: Float32Array[],
  run: (q: Float32Array) => string[],
): { lat: number[]; cpu: number[]; out: string[][] } {
  for (const q of queries.slice(0, 10)) run(q); // warm-up (JIT)
  const lat: number[] = [];
  const cpu: number[] = [];
  const out: string[][] = [];
  for (const q of queries) {
    const c = process.cpuUsage();
    const t = performance.now();
    out.push(run(q));
    lat.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  return { lat, cpu, out };
}

/** A row's latency, CPU and recall columns from timed queries (both index kinds alike). */
function measured(
  { lat, cpu, out }: ReturnType<typeof timeQueries>,
  truth: string[][],
): Pick<Row, 'p50' | 'p95' | 'cpu50' | 'cpu95' | 'recall'> {
  return {
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    cpu50: percentile(cpu, 50),
    cpu95: percentile(cpu, 95),
    recall: recallAt(truth, out),
  };
}

type Hnsw = {
  initIndex(max: number, m?: number, ef?: number, seed?: number): void;
  addPoint(v: number[] | Float32Array, label: number): void;
  setEf(ef: number): void;
  searchKnn(q: number[] | Float32Array, k: number): { neighbors: number[] };
};
type HnswModule = { HierarchicalNSW: new (space: string, dims: number) => Hnsw };

async function loadHnsw(): Promise<HnswModule | null> {
  try {
    const spec = process.env.HNSWLIB ?? 'hnswlib-node';
    const mod = (await import(spec)) as HnswModule & { default?: HnswModule };
    return mod.HierarchicalNSW ? mod : (mod.default ?? null);
  } catch (error) {
    console.error(
      `hnswlib-node not loadable (${(error as Error).message.split('\n')[0]}); HNSW rows skipped.`,
    );
    return null;
  }
}

async function main(): Promise<void> {
  const hnsw = process.env.HNSW === '0' ? null : await loadHnsw();
  const rows: Row[] = [];
  for (const dims of DIMS) {
    for (const n of SIZES) {
      const all = dataset(n + QUERIES, dims, n + dims);
      const vectors = all.slice(0, n);
      const queries = all.slice(n);
      const ids = vectors.map((_, i) => `m${i}`);
      const fields = { layer: 'episodic' as const, createdMs: 0, superseded: false };
      let truth: string[][] = [];
      for (const precision of ['float32', 'int8'] as const) {
        const t0 = performance.now();
        const index = new VectorIndex(dims, precision);
        for (let i = 0; i < n; i++) index.upsert('user', ids[i]!, vectors[i]!, fields);
        const buildMs = performance.now() - t0;
        // packed rows (+ int8 scales); WASM memory is not visible in process.memoryUsage() reliably
        const memMB =
          (n * dims * (precision === 'float32' ? 4 : 1) + (precision === 'int8' ? n * 4 : 0)) / 2 ** 20;
        const timed = timeQueries(queries, (q) => index.search({ userId: 'user' }, q, K).map((r) => r.id));
        if (precision === 'float32') truth = exact(vectors, queries, ids);
        rows.push({
          n,
          dims,
          method:
            precision === 'float32'
              ? 'float32 index (SIMD scan; >=16k rows: int8 shadow scan + exact re-score of 80)'
              : 'int8 index (SIMD scan, 40 candidates; recall = exact top-10 inside them)',
          buildMs,
          ...measured(timed, truth),
          memMB,
        });
        report(rows.at(-1)!);
      }
      if (hnsw) {
        for (const ef of [64, 128]) {
          const heap0 = process.memoryUsage().rss;
          const t0 = performance.now();
          const index = new hnsw.HierarchicalNSW('ip', dims);
          index.initIndex(n, 16, 100, 42);
          for (let i = 0; i < n; i++) index.addPoint(Array.from(vectors[i]!), i);
          const buildMs = performance.now() - t0;
          const memMB = (process.memoryUsage().rss - heap0) / 2 ** 20; // rss delta: rough
          index.setEf(ef);
          const arrays = new Map(queries.map((q) => [q, Array.from(q)]));
          const timed = timeQueries(queries, (q) =>
            index.searchKnn(arrays.get(q)!, K).neighbors.map((i) => `m${i}`),
          );
          rows.push({
            n,
            dims,
            method: `hnsw M=16 efC=100 ef=${ef}`,
            buildMs,
            ...measured(timed, truth),
            memMB,
          });
          report(rows.at(-1)!);
        }
      }
    }
  }
  console.log(
    '\n| vectors | dims | method | build ms | wall p50 ms | wall p95 ms | cpu p50 ms | cpu p95 ms | recall@10 | memory MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.n} | ${r.dims} | ${r.method} | ${r.buildMs.toFixed(0)} | ${r.p50.toFixed(2)} | ${r.p95.toFixed(2)} | ${r.cpu50.toFixed(2)} | ${r.cpu95.toFixed(2)} | ${r.recall.toFixed(3)} | ${r.memMB.toFixed(0)} |`,
    );
  }
}

function report(r: Row): void {
  console.error(
    `${r.n}x${r.dims} ${r.method}: build ${r.buildMs.toFixed(0)} ms, p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, cpu p50 ${r.cpu50.toFixed(2)} p95 ${r.cpu95.toFixed(2)} ms, recall@10 ${r.recall.toFixed(3)}`,
  );
}

await main();
