import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../bench/synthetic.ts';
import type { ScoredId } from '../types.ts';
import { type FlatScoring, type FlatTerm, scoreFlatOr } from './flat-or.ts';
import { KeywordPartition } from './partition.ts';
import { TF_SATURATED } from './postings.ts';
import { TopK } from './top-k.ts';

const FIELDS = { layer: 'episodic', createdMs: 0, superseded: false } as const;
const K1 = 1.2;
const B = 0.75;

/** Scores every posting of every term (same term order, same sums): what pruning must reproduce. */
function exhaustive(p: KeywordPartition, terms: FlatTerm[], s: FlatScoring): ScoredId[] {
  const sorted = [...terms].sort((a, b) => a.n - b.n);
  const scores = new Map<number, number>();
  for (const { term, start, n, weight } of sorted) {
    for (let i = start; i < start + n; i++) {
      const slot = p.postings.slots[i]!;
      let tf = p.postings.tfs[i]!;
      if (tf === TF_SATURATED) tf = p.exactTf(slot, term);
      scores.set(
        slot,
        (scores.get(slot) ?? 0) + (weight * tf) / (tf + s.base + s.perToken * p.lengths[slot]!),
      );
    }
  }
  const top = new TopK(s.k, p.ids);
  for (const [slot, score] of scores) if (s.accept(slot)) top.offer(slot, Math.max(score, 1e-9));
  return top.result();
}

function flatTerms(p: KeywordPartition, query: number[]): FlatTerm[] {
  const out: FlatTerm[] = [];
  const { start, len, maxTf, minLength, dense } = p.postings;
  for (const term of new Set(query)) {
    const list = p.postings.list(term);
    if (list < 0) continue;
    const df = len[list]!;
    const idf = Math.max(Math.log((p.docCount - df + 0.5) / (df + 0.5)), 1e-6);
    out.push({
      term,
      start: start[list]!,
      n: df,
      weight: idf * (K1 + 1),
      maxTf: maxTf[list]!,
      minLength: minLength[list]!,
      dense: dense[list] ?? null,
    });
  }
  return out;
}

/**
 * A corpus shaped like the bench's (and any chat history's): a few terms in most documents,
 * some in a fifth, many rare ones; lengths 1-30, now and then a term repeated past the
 * stored tf's saturation. `seed` drives it (bench/synthetic.ts's generator).
 */
function corpus(seed: number, docs: number): Uint32Array[] {
  const rng = seededRng(seed);
  const out: Uint32Array[] = [];
  for (let i = 0; i < docs; i++) {
    const terms: number[] = [];
    for (let t = 0; t < 4; t++) if (rng() < 0.7) terms.push(t);
    for (let t = 4; t < 20; t++) if (rng() < 0.15) terms.push(t);
    const rare = Math.floor(rng() * 4);
    for (let r = 0; r < rare; r++) terms.push(20 + Math.floor(rng() * 200));
    const filler = Math.floor(rng() * 12);
    for (let f = 0; f < filler; f++) terms.push(terms[Math.floor(rng() * terms.length)] ?? 0);
    if (rng() < 0.01) for (let r = 0; r < 300; r++) terms.push(terms[0] ?? 1);
    out.push(Uint32Array.from(terms.length > 0 ? terms : [0]));
  }
  return out;
}

describe('scoreFlatOr', () => {
  it('returns exactly the exhaustive top k (ids, scores, tie order) on random corpora', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 800 }),
        fc.array(fc.integer({ min: 0, max: 230 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 3 }),
        fc.array(fc.nat(), { maxLength: 80 }),
        (seed, size, query, k, filterMod, removals) => {
          const docs = corpus(seed, size);
          // dense tf columns from 8 entries, so small corpora reach that path too
          const p = new KeywordPartition(8);
          for (const [i, terms] of docs.entries()) p.upsert(`d${i}`, terms, FIELDS);
          for (const r of removals) p.remove(`d${r % size}`);
          // re-added into freed slots, after the lists' bounds went stale
          for (const r of removals.slice(0, 20)) p.upsert(`d${r % size}`, docs[r % size]!, FIELDS);
          if (p.docCount === 0) return;
          const scoring: FlatScoring = {
            k,
            base: K1 * (1 - B),
            perToken: (K1 * B) / (p.totalLength / p.docCount),
            accept: (slot) => filterMod === 0 || slot % (filterMod + 1) !== 0,
            scores: new Float64Array(p.capacity),
            seen: new Int32Array(p.capacity),
          };
          const expected = exhaustive(p, flatTerms(p, query), scoring);
          expect(scoreFlatOr(p, flatTerms(p, query), scoring)).toEqual(expected);
          expect(scoring.scores.every((v) => v === 0)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('uses and maintains dense tf columns for lists holding most slots', () => {
    const p = new KeywordPartition(8);
    for (let i = 0; i < 40; i++) p.upsert(`d${i}`, Uint32Array.from(i % 10 === 1 ? [1, 1, 2] : [1]), FIELDS);
    const list = p.postings.list(1);
    const dense = p.postings.dense[list]!;
    expect(dense).not.toBeNull();
    expect(dense[p.slotOf.get('d1')!]).toBe(2);
    expect(dense[p.slotOf.get('d0')!]).toBe(1);
    p.remove('d1');
    expect(p.postings.dense[list]![p.slotOf.get('d0')!]).toBe(1);
    expect([...p.postings.dense[list]!].filter((tf) => tf > 0)).toHaveLength(39);
    // a list that is rare stays without one
    expect(p.postings.dense[p.postings.list(2)] ?? null).toBeNull();
  });
});
