import { describe, expect, it } from 'vitest';
import { cosine } from '../shared/records.ts';
import { type Candidate, rescoreTopK, VectorIndex } from './vector-index.ts';

function rand(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

const fields = { layer: 'episodic' as const, createdMs: 0, superseded: false };

/** Clustered vectors (the shape of real embeddings: many near neighbours, close scores). */
function fill(index: VectorIndex, count: number, dims: number, seed: number): Map<string, Float32Array> {
  const next = rand(seed);
  const centres = Array.from({ length: 8 }, () => Float32Array.from({ length: dims }, next));
  const vectors = new Map<string, Float32Array>();
  for (let i = 0; i < count; i++) {
    const centre = centres[i % centres.length]!;
    const v = Float32Array.from({ length: dims }, (_, j) => centre[j]! + 0.3 * next());
    vectors.set(`v${i}`, v);
    index.upsert('u', `v${i}`, v, fields);
  }
  return vectors;
}

function exactRanking(
  candidates: Candidate[],
  vectors: Map<string, Float32Array>,
  q: Float32Array,
  k: number,
) {
  return candidates
    .map((c) => ({ id: c.id, score: cosine(q, vectors.get(c.id)!) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, k);
}

describe('int8 refinement bounds and rescoreTopK', () => {
  // 1500 rows: the WebAssembly slab, grown several times, with swap-removals moving rows
  for (const dims of [37, 228]) {
    it(`every int8 candidate's exact cosine lies within score ± bound (${dims} dims)`, () => {
      const index = new VectorIndex(dims, 'int8');
      const vectors = fill(index, 1500, dims, dims);
      for (let i = 0; i < 1500; i += 7) {
        index.remove('u', `v${i}`);
        vectors.delete(`v${i}`);
      }
      const next = rand(99);
      let widest = 0;
      for (let t = 0; t < 20; t++) {
        const q = Float32Array.from({ length: dims }, next);
        const candidates = index.search({ userId: 'u' }, q, 25);
        expect(candidates).toHaveLength(100);
        for (const c of candidates) {
          const exact = cosine(q, vectors.get(c.id)!);
          expect(Math.abs(exact - c.score)).toBeLessThanOrEqual(c.bound + 1e-6);
          widest = Math.max(widest, c.bound);
        }
      }
      // a 1-bit correction leaves at most scale/4 per dimension: half of int8's scale/2
      expect(widest).toBeGreaterThan(0);
      expect(widest).toBeLessThan(0.02);
    });
  }

  it('rescoreTopK gives the exact top k of all candidates while reading fewer rows', () => {
    const dims = 64;
    const index = new VectorIndex(dims, 'int8');
    const vectors = fill(index, 3000, dims, 5);
    // exact ties: copies of one vector under other ids (the id order must decide them)
    for (let i = 0; i < 6; i++) {
      vectors.set(`dup${i}`, vectors.get('v10')!);
      index.upsert('u', `dup${i}`, vectors.get('v10')!, fields);
    }
    const next = rand(7);
    let asked = 0;
    let offered = 0;
    const queries = [
      vectors.get('v10')!,
      ...Array.from({ length: 30 }, () => Float32Array.from({ length: dims }, next)),
    ];
    for (const q of queries) {
      const candidates = index.search({ userId: 'u' }, q, 10);
      offered += candidates.length;
      const kept = rescoreTopK(candidates, 10, (ids) => {
        asked += ids.length;
        return new Map(ids.map((id) => [id, cosine(q, vectors.get(id)!)]));
      });
      const ranked = kept.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, 10);
      expect(ranked).toEqual(exactRanking(candidates, vectors, q, 10));
    }
    expect(asked).toBeLessThan(offered * 0.75);
  });

  it('rescoreTopK keeps estimates for ids the exact reader does not know, and handles small lists', () => {
    const candidates: Candidate[] = [
      { id: 'a', score: 0.9, bound: 0.01 },
      { id: 'b', score: 0.5, bound: 0.01 },
      { id: 'c', score: 0.2, bound: 0.01 },
    ];
    const only = (known: Record<string, number>) => (ids: string[]) =>
      new Map(ids.filter((id) => id in known).map((id) => [id, known[id]!]));
    expect(rescoreTopK(candidates, 5, only({ a: 0.91 }))).toEqual([
      { id: 'a', score: 0.91 },
      { id: 'b', score: 0.5 },
      { id: 'c', score: 0.2 },
    ]);
    // k = 1: 'b' (≤ 0.51) and 'c' cannot beat a's exact 0.91, so they are never read
    const asked: string[] = [];
    const kept = rescoreTopK(candidates, 1, (ids) => {
      asked.push(...ids);
      return new Map(ids.map((id) => [id, 0.91]));
    });
    expect(kept).toEqual([{ id: 'a', score: 0.91 }]);
    expect(asked).toEqual(['a']);
    expect(rescoreTopK(candidates, 0, only({}))).toEqual([]);
  });
});
