import { describe, expect, it } from 'vitest';
import { VectorIndex } from './vector-index.ts';

function rand(seed: number) {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648 - 0.5;
  };
}

function exactScores(vectors: Map<string, Float32Array>, q: Float32Array): Array<{ id: string; s: number }> {
  let qn = 0;
  for (const x of q) qn += x * x;
  const out: Array<{ id: string; s: number }> = [];
  for (const [id, v] of vectors) {
    let dot = 0;
    let vn = 0;
    for (let i = 0; i < v.length; i++) {
      dot += v[i]! * q[i]!;
      vn += v[i]! * v[i]!;
    }
    out.push({ id, s: dot / Math.sqrt(vn * qn) });
  }
  return out.sort((a, b) => b.s - a.s);
}

function exactTop(vectors: Map<string, Float32Array>, q: Float32Array, k: number): string[] {
  return exactScores(vectors, q)
    .slice(0, k)
    .map((r) => r.id);
}

const fields = { layer: 'episodic' as const, createdMs: 0, superseded: false };

describe('VectorIndex', () => {
  for (const size of [300, 3000, 20_000]) {
    const path = size >= 16_384 ? 'int8 shadow + exact re-score' : size >= 1024 ? 'WASM SIMD' : 'JS';
    it(`float32 returns the exact top-10 (${size} vectors: ${path} path), also after removals`, () => {
      const next = rand(size);
      const dims = 37; // not a multiple of the SIMD width: exercises the scalar tail
      const index = new VectorIndex(dims, 'float32');
      const vectors = new Map<string, Float32Array>();
      for (let i = 0; i < size; i++) {
        const v = Float32Array.from({ length: dims }, next);
        vectors.set(`v${i}`, v);
        index.upsert('u', `v${i}`, v, fields);
      }
      for (let i = 0; i < size; i += 3) {
        index.remove('u', `v${i}`);
        vectors.delete(`v${i}`);
      }
      expect(index.size).toBe(vectors.size);
      for (let t = 0; t < 5; t++) {
        const q = Float32Array.from({ length: dims }, next);
        const got = index.search({ userId: 'u' }, q, 10);
        // exact up to float32 rounding: every hit scores at least the true 10th best
        const exact = exactScores(vectors, q);
        const tenth = exact[9]!.s;
        const byId = new Map(exact.map((r) => [r.id, r.s]));
        expect(got).toHaveLength(10);
        for (const hit of got) expect(byId.get(hit.id)!).toBeGreaterThanOrEqual(tenth - 1e-5);
        expect(got.map((r) => r.score)).toEqual([...got.map((r) => r.score)].sort((a, b) => b - a));
        expect(got[0]!.score).toBeLessThanOrEqual(1.0001);
      }
    });

    it(`int8 candidates contain the exact top-10 (${size} vectors)`, () => {
      const next = rand(size + 1);
      const dims = 64;
      const index = new VectorIndex(dims, 'int8');
      const vectors = new Map<string, Float32Array>();
      for (let i = 0; i < size; i++) {
        const v = Float32Array.from({ length: dims }, next);
        vectors.set(`v${i}`, v);
        index.upsert('u', `v${i}`, v, fields);
      }
      let hits = 0;
      for (let t = 0; t < 10; t++) {
        const q = Float32Array.from({ length: dims }, next);
        const candidates = new Set(index.search({ userId: 'u' }, q, 10).map((r) => r.id));
        expect(candidates.size).toBe(40);
        for (const id of exactTop(vectors, q, 10)) if (candidates.has(id)) hits++;
      }
      expect(hits / 100).toBeGreaterThanOrEqual(0.97);
    });
  }

  it('partitions by user and applies layer/time/superseded/id filters', () => {
    const index = new VectorIndex(2, 'float32');
    index.upsert('a', 'a1', Float32Array.of(1, 0), { layer: 'episodic', createdMs: 10, superseded: false });
    index.upsert('a', 'a2', Float32Array.of(1, 0.1), { layer: 'semantic', createdMs: 20, superseded: false });
    index.upsert('a', 'a3', Float32Array.of(1, 0.2), { layer: 'semantic', createdMs: 30, superseded: true });
    index.upsert('b', 'b1', Float32Array.of(1, 0), fields);
    const q = Float32Array.of(1, 0);
    const ids = (f: Record<string, unknown>, allowed?: Set<string>) =>
      index.search({ userId: 'a', ...f }, q, 10, allowed).map((r) => r.id);
    expect(ids({})).toEqual(['a1', 'a2']);
    expect(ids({ includeSuperseded: true })).toEqual(['a1', 'a2', 'a3']);
    expect(ids({ layers: ['semantic'], includeSuperseded: true })).toEqual(['a2', 'a3']);
    expect(ids({ since: new Date(15).toISOString(), until: new Date(25).toISOString() })).toEqual(['a2']);
    expect(ids({ ids: ['a2', 'b1'] })).toEqual(['a2']);
    expect(ids({}, new Set(['a1']))).toEqual(['a1']);
    index.removeUser('a');
    expect(ids({})).toEqual([]);
    expect(index.search({ userId: 'b' }, q, 10).map((r) => r.id)).toEqual(['b1']);
  });

  it('grows partitions by 1.125x from 32 to 1,024 rows, 1.25x above, and still finds every row', () => {
    const index = new VectorIndex(8, 'float32');
    const r = rand(11);
    const fields = { layer: 'episodic' as const, createdMs: 0, superseded: false };
    const last = new Float32Array(8).map(() => r());
    for (let i = 0; i < 6000; i++)
      index.upsert(
        'u',
        `m${i}`,
        new Float32Array(8).map(() => r()),
        fields,
      );
    index.upsert('u', 'target', last, fields);
    const stats = index.memoryStats();
    expect(stats.rows).toBe(6001);
    // doubling would have reached 8192 slots; doubling to 32, 1.125x steps to 1,040 rows,
    // then 1.25x stop at 6368 (16, 32, 48, …, 800, 912, 1040, 1312, …, 5088, 6368)
    expect(stats.capacity).toBe(6368);
    expect(stats.bytes).toBeGreaterThan(6368 * 8 * 4);
    expect(index.search({ userId: 'u' }, last, 1)[0]?.id).toBe('target');
  });

  it('keeps every int8 row through in-place WebAssembly growth and swap-removals', () => {
    const dims = 24;
    const index = new VectorIndex(dims, 'int8');
    const r = rand(5);
    const fields = { layer: 'episodic' as const, createdMs: 0, superseded: false };
    const vectors = new Map<string, Float32Array>();
    // 5,000 rows cross WASM_MIN_ROWS and grow the memory several times in place
    for (let i = 0; i < 5000; i++) {
      const v = new Float32Array(dims).map(() => r() - 0.5);
      vectors.set(`m${i}`, v);
      index.upsert('u', `m${i}`, v, fields);
      if (i % 7 === 3) {
        index.remove('u', `m${i - 2}`); // moves the last row into the hole
        vectors.delete(`m${i - 2}`);
      }
    }
    expect(index.size).toBe(vectors.size);
    expect(index.memoryStats().capacity).toBeLessThan(vectors.size * 1.25 + 16);
    for (const [id, v] of [...vectors].filter((_, i) => i % 97 === 0)) {
      // a row is its own best match; the refined bound holds its exact cosine of 1
      const [best] = index.search({ userId: 'u' }, v, 1);
      expect(best?.id).toBe(id);
      expect(Math.abs(1 - best!.score)).toBeLessThanOrEqual(best!.bound + 1e-5);
    }
    for (let i = 1; i < 5000; i += 7 * 97) {
      if (vectors.has(`m${i}`)) continue;
      const hits = index.search({ userId: 'u', ids: [`m${i}`] }, new Float32Array(dims).fill(1), 5);
      expect(hits).toEqual([]);
    }
  });
});
