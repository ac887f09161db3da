import { describe, expect, it } from 'vitest';
import { type InvertedLists, IVF_MIN_ROWS } from './ivf.ts';
import { Partition } from './partition.ts';

const fields = { layer: 'episodic' as const, createdMs: 0, superseded: false };
const DIMS = 24;

/** Clustered random vectors: 64 centres, each row a centre plus noise. */
function generator(seed: number) {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4_294_967_296 - 0.5;
  };
  const centres = Array.from({ length: 64 }, () => Float32Array.from({ length: DIMS }, random));
  return () => {
    const centre = centres[Math.floor((random() + 0.5) * 64)]!;
    return centre.map((x) => x + random() * 0.6);
  };
}

const ivfOf = (p: Partition) => (p as unknown as { ivf: InvertedLists | null }).ivf;
const exactTop = (p: Partition, q: Float32Array, n: number) => {
  const ivf = ivfOf(p);
  (p as unknown as { ivf: InvertedLists | null }).ivf = null;
  const out = p.search(q, n, { includeSuperseded: false });
  (p as unknown as { ivf: InvertedLists | null }).ivf = ivf;
  return out;
};

describe('IVF first pass', () => {
  it('keeps every row in exactly one list through adds, rewrites, removals and compactions', () => {
    const next = generator(7);
    const p = new Partition(DIMS, 'int8');
    const live = new Set<string>();
    let id = 0;
    for (; id < IVF_MIN_ROWS + 2_000; id++) {
      p.upsert(`m${id}`, next(), fields);
      live.add(`m${id}`);
    }
    expect(ivfOf(p)).not.toBeNull();
    let seed = 11;
    const pick = () => {
      seed = (Math.imul(seed, 48271) + 1) >>> 0;
      return seed;
    };
    for (let step = 0; step < 12_000; step++) {
      const r = pick() % 3;
      if (r === 0) {
        p.upsert(`m${id}`, next(), fields);
        live.add(`m${id++}`);
      } else if (r === 1) {
        const name = `m${pick() % id}`; // a rewrite, or a re-add of a removed id
        p.upsert(name, next(), fields);
        live.add(name);
      } else {
        const victim = `m${pick() % id}`;
        p.remove(victim);
        live.delete(victim);
      }
    }
    const ivf = ivfOf(p)!;
    expect(p.size).toBe(live.size);
    // probing every list reaches each row exactly once (runs skip their foreign rows)
    const { runs, runCount, slots, slotCount } = ivf.probe(
      new Float32Array(DIMS).fill(1 / Math.sqrt(DIMS)),
      p.size,
      10,
    );
    const seen = new Uint8Array(p.size);
    for (let r = 0; r < runCount; r++)
      for (let s = runs[3 * r]!; s < runs[3 * r]! + runs[3 * r + 1]!; s++)
        if (ivf.listOf[s] === runs[3 * r + 2]) seen[s]!++;
    for (let i = 0; i < slotCount; i++) seen[slots[i]!]!++;
    const bad = Array.from(seen)
      .map((n, s) => [n, s])
      .filter(([n]) => n !== 1);
    expect(bad.slice(0, 5)).toEqual([]);
    // and live ids still resolve to their own rows (a sample: each is an exact scan)
    for (const name of [...live].filter((_, i) => i % 97 === 0))
      expect(
        p.search(new Float32Array(DIMS).fill(1), 1, { includeSuperseded: false, allowed: new Set([name]) })[0]
          ?.id,
      ).toBe(name);
  });

  it('finds what the exact scan finds on clustered data, and only scans a share of the rows', () => {
    const next = generator(3);
    const p = new Partition(DIMS, 'int8');
    for (let i = 0; i < IVF_MIN_ROWS + 5_000; i++) p.upsert(`m${i}`, next(), fields);
    let agree = 0;
    const queries = 50;
    for (let q = 0; q < queries; q++) {
      const query = next();
      let norm = 0;
      for (const x of query) norm += x * x;
      const unit = query.map((x) => x / Math.sqrt(norm));
      const exact = new Set(exactTop(p, unit, 10).map((c) => c.id));
      for (const c of p.search(unit, 10, { includeSuperseded: false })) if (exact.has(c.id)) agree++;
    }
    expect(agree / (10 * queries)).toBeGreaterThanOrEqual(0.9);
    const { runs, runCount, slotCount } = ivfOf(p)!.probe(next(), p.size);
    let probed = slotCount;
    for (let r = 0; r < runCount; r++) probed += runs[3 * r + 1]!;
    expect(probed).toBeLessThan(p.size / 4);
  });
});
