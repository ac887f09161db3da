import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../bench/synthetic.ts';
import { IdSlots } from '../shared/id-slots.ts';
import { IntMap } from '../shared/int-map.ts';
import { PLAIN } from '../shared/keyword-eval.ts';
import { KeywordIndex } from './keyword-index.ts';
import { PostingLists, TF_SATURATED } from './postings.ts';
import { TermDictionary } from './term-dictionary.ts';
import { TokenStreams } from './token-streams.ts';

const FIELDS = { layer: 'episodic', createdMs: 0, superseded: false } as const;

function listOf(p: PostingLists, term: number): Array<[number, number]> {
  const list = p.list(term);
  if (list < 0) return [];
  const out: Array<[number, number]> = [];
  for (let i = p.start[list]!; i < p.start[list]! + p.len[list]!; i++) out.push([p.slots[i]!, p.tfs[i]!]);
  return out.sort((a, b) => a[0] - b[0]);
}

describe('PostingLists', () => {
  it('matches a plain Map reference through growth, relocation, removal and compaction', () => {
    const rng = seededRng(3);
    const p = new PostingLists();
    const ref = new Map<number, Map<number, number>>();
    for (let op = 0; op < 40_000; op++) {
      if (op % 10_000 === 5_000) p.trim(); // exact-fit arenas must keep working
      // skewed terms: a few long lists, many short ones, so regions move and die
      const term = rng() < 0.5 ? Math.floor(rng() * 8) : Math.floor(rng() * 3000);
      const slot = Math.floor(rng() * 500);
      const entries = ref.get(term) ?? new Map<number, number>();
      if (entries.has(slot) || rng() < 0.3) {
        p.drop(term, slot);
        entries.delete(slot);
      } else {
        const tf = 1 + Math.floor(rng() * 3);
        p.add(term, slot, tf, 10);
        entries.set(slot, tf);
      }
      if (entries.size === 0) ref.delete(term);
      else ref.set(term, entries);
    }
    expect(p.size).toBe(ref.size);
    const terms: number[] = [];
    p.forEachTerm((term) => terms.push(term));
    expect(new Set(terms)).toEqual(new Set(ref.keys()));
    for (const [term, entries] of ref) {
      expect(p.df(term)).toBe(entries.size);
      expect(listOf(p, term)).toEqual([...entries].sort((a, b) => a[0] - b[0]));
    }
    expect(p.df(99_999)).toBe(0);
    expect(p.list(99_999)).toBe(-1);
  });

  it('saturates stored term frequencies at 255', () => {
    const p = new PostingLists();
    p.add(1, 0, 1000, 1000);
    expect(listOf(p, 1)).toEqual([[0, TF_SATURATED]]);
  });
});

describe('TokenStreams', () => {
  it('keeps every slot stream through replacement and compaction', () => {
    const rng = seededRng(5);
    const s = new TokenStreams(64);
    const ref = new Map<number, number[]>();
    for (let op = 0; op < 20_000; op++) {
      if (op % 5_000 === 2_500) s.trim();
      const slot = Math.floor(rng() * 64);
      if (ref.has(slot)) {
        s.release(slot);
        ref.delete(slot);
        expect(s.length[slot]).toBe(0);
      }
      if (rng() < 0.7) {
        const terms = Array.from({ length: Math.floor(rng() * 40) }, () => Math.floor(rng() * 1e6));
        s.set(slot, Uint32Array.from(terms));
        ref.set(slot, terms);
      }
    }
    for (const [slot, terms] of ref) expect([...s.get(slot)]).toEqual(terms);
  });

  it('round-trips term ids at every varint width, and frees a released stream at compaction', () => {
    const s = new TokenStreams(4);
    const edges = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 2 ** 28 - 1, 2 ** 28, 2 ** 32 - 1];
    s.set(0, Uint32Array.from(edges));
    s.set(1, Uint32Array.from([5, 5, 300]));
    expect([...s.get(0)]).toEqual(edges);
    expect([...s.get(1)]).toEqual([5, 5, 300]);
    const before = s.bytes;
    s.release(0);
    s.trim();
    expect(s.bytes).toBeLessThanOrEqual(before);
    expect([...s.get(1)]).toEqual([5, 5, 300]);
    expect(s.length[0]).toBe(0);
  });
});

describe('KeywordIndex', () => {
  it('scores a term repeated past the stored tf cap with its exact frequency', () => {
    const index = new KeywordIndex();
    index.upsert('u', 'a', [...Array(300).fill('hik'), 'trail'], FIELDS);
    index.upsert('u', 'b', ['hik', 'trail', 'lake'], FIELDS);
    for (const id of ['c', 'd', 'e', 'f']) index.upsert('u', id, ['lake'], FIELDS);
    const hits = index.search({ userId: 'u' }, { type: 'term', value: 'hik' }, 10, PLAIN);
    // BM25 as FTS5 computes it, with this user's N = 6, df = 2, average length 308 / 6
    const idf = Math.log((6 - 2 + 0.5) / (2 + 0.5));
    const bm25 = (tf: number, len: number) =>
      (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * len) / (308 / 6)));
    expect(hits.map((h) => h.id)).toEqual(['a', 'b']);
    expect(hits[0]!.score).toBeCloseTo(bm25(300, 301), 9);
    expect(Math.abs(bm25(300, 301) - bm25(255, 301))).toBeGreaterThan(1e-6);
    expect(hits[1]!.score).toBeCloseTo(bm25(1, 3), 9);
  });

  it('removes documents and users, and reuses their space', () => {
    const index = new KeywordIndex();
    for (let i = 0; i < 3000; i++) index.upsert('u', `m${i}`, ['common', `t${i}`, `t${i + 1}`], FIELDS);
    for (let i = 0; i < 3000; i += 2) index.remove('u', `m${i}`);
    expect(index.size).toBe(1500);
    const hits = index.search({ userId: 'u' }, { type: 'term', value: 't11' }, 10, PLAIN);
    expect(hits.map((h) => h.id).sort()).toEqual(['m11']);
    index.upsert('u', 'm11', ['other'], FIELDS);
    expect(index.search({ userId: 'u' }, { type: 'term', value: 't11' }, 10, PLAIN)).toEqual([]);
    index.removeUser('u');
    expect(index.size).toBe(0);
  });
});

describe('IntMap', () => {
  it('matches a Map through inserts, overwrites and deletes across growth', () => {
    const rng = seededRng(9);
    const map = new IntMap();
    const ref = new Map<number, number>();
    for (let op = 0; op < 50_000; op++) {
      const key = Math.floor(rng() * 5000) * 7919;
      if (rng() < 0.4) {
        map.delete(key);
        ref.delete(key);
      } else {
        map.set(key, op);
        ref.set(key, op);
      }
    }
    expect(map.size).toBe(ref.size);
    for (const [key, value] of ref) expect(map.get(key)).toBe(value);
    const keys = new Set<number>();
    map.forEachKey((key) => keys.add(key));
    expect(keys).toEqual(new Set(ref.keys()));
    expect(map.get(1)).toBe(-1);
  });
});

describe('TermDictionary', () => {
  it('interns, looks up and names terms, non-Latin ones included, across growth', () => {
    const dict = new TermDictionary();
    const terms = Array.from({ length: 3000 }, (_, i) =>
      i % 3 === 0 ? `größe${i}` : i % 3 === 1 ? `日本${i}` : `t${i}`,
    );
    const ids = terms.map((term) => dict.intern(term));
    expect(new Set(ids).size).toBe(terms.length);
    expect(terms.map((term) => dict.intern(term))).toEqual(ids);
    expect(terms.map((term) => dict.lookup(term))).toEqual(ids);
    expect(ids.map((id) => dict.name(id))).toEqual(terms);
    expect(dict.lookup('absent')).toBe(-1);
    dict.trim();
    expect(dict.lookup(terms[7]!)).toBe(ids[7]);
    const late = dict.intern('after-names');
    expect(dict.name(late)).toBe('after-names');
  });
});

describe('IdSlots', () => {
  it('maps ids to slots, ids with colliding hashes included', () => {
    // m81384 / m118024 and m41197 / m122857 share their 31-bit hash
    const ids = ['m81384', 'm118024', 'm41197', 'm122857', 'a', 'b'];
    const slots = new IdSlots(ids);
    for (const [slot, id] of ids.entries()) slots.set(id, slot);
    for (const [slot, id] of ids.entries()) expect(slots.get(id)).toBe(slot);
    slots.delete('m81384');
    ids[0] = '';
    expect(slots.get('m81384')).toBeUndefined();
    expect(slots.get('m118024')).toBe(1);
    ids[0] = 'm81384';
    slots.set('m81384', 0);
    expect(slots.get('m81384')).toBe(0);
    slots.delete('m122857');
    expect(slots.get('m122857')).toBeUndefined();
    expect(slots.get('m41197')).toBe(2);
    expect(slots.get('zzz')).toBeUndefined();
  });
});
