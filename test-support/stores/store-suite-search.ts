/**
 * Conformance cases for vectorSearch (cosine ranking, k, every filter) and keywordSearch
 * (terms, OR ranking, AND, NOT, phrases, prefix and fuzzy where the store declares them).
 */
import { expect, it } from 'vitest';
import { ALICE, expectCode, ids, kw, memory, q, vec } from './store-fixtures.ts';
import type { SuiteContext } from './store-suite-context.ts';

export function registerSearchCases(ctx: SuiteContext): void {
  it('vectorSearch ranks by cosine similarity and honours k', async () => {
    const near = memory();
    const mid = memory();
    const far = memory();
    const none = memory();
    await ctx.store.insert([
      { memory: far, vector: vec(0, 0, 1) },
      { memory: near, vector: vec(1, 0.1) },
      { memory: mid, vector: vec(1, 1) },
      { memory: none, vector: null },
    ]);
    const results = await ctx.store.vectorSearch({ userId: ALICE }, vec(1), 10);
    expect(ids(results)).toEqual([near.id, mid.id, far.id]);
    expect(results[0]!.score).toBeCloseTo(0.995, 2);
    expect(results[1]!.score).toBeCloseTo(Math.SQRT1_2, 2);
    expect(results[2]!.score).toBeCloseTo(0, 2);
    expect(ids(await ctx.store.vectorSearch({ userId: ALICE }, vec(1), 2))).toEqual([near.id, mid.id]);
    await expectCode(ctx.store.vectorSearch({ userId: ALICE }, new Float32Array(3), 2), 'validation_error');
  });

  it('vectorSearch applies layers, since/until, metadata, superseded and ids filters', async () => {
    const a = memory({ layer: 'episodic', createdAt: '2024-01-10T00:00:00.000Z', metadata: { chat: 'x' } });
    const b = memory({ layer: 'semantic', createdAt: '2024-02-10T00:00:00.000Z', metadata: { chat: 'y' } });
    const c = memory({ layer: 'semantic', createdAt: '2024-03-10T00:00:00.000Z', supersededBy: b.id });
    await ctx.store.insert([
      { memory: a, vector: vec(1, 0.3) },
      { memory: b, vector: vec(1, 0.2) },
      { memory: c, vector: vec(1, 0.1) },
    ]);
    const search = async (filter: Record<string, unknown>) =>
      ids(await ctx.store.vectorSearch({ userId: ALICE, ...filter }, vec(1), 10));
    expect(await search({})).toEqual([b.id, a.id]);
    expect(await search({ includeSuperseded: true })).toEqual([c.id, b.id, a.id]);
    expect(await search({ layers: ['episodic'] })).toEqual([a.id]);
    expect(await search({ since: '2024-02-10T00:00:00.000Z', includeSuperseded: true })).toEqual([
      c.id,
      b.id,
    ]);
    expect(await search({ until: '2024-02-01T00:00:00Z' })).toEqual([a.id]);
    expect(await search({ metadata: { chat: 'x' } })).toEqual([a.id]);
    expect(await search({ ids: [a.id, c.id] })).toEqual([a.id]);
  });

  async function seedKeyword() {
    const docs = {
      hiking: memory({ content: 'I love hiking in the Alps with my sister' }),
      both: memory({ content: 'Hiking trips and mountain photography, hiking every summer' }),
      photo: memory({ content: 'My camera is for photography of birds' }),
      sister: memory({ content: 'My sister lives in Berlin', layer: 'episodic' }),
      order: memory({ content: 'Berlin sister visit next month' }),
    };
    await ctx.store.insert(Object.values(docs).map((m) => ({ memory: m, vector: null })));
    return docs;
  }

  it('keywordSearch: terms OR-ed and ranked by BM25, stemming applies', async () => {
    const d = await seedKeyword();
    const hiking = await ctx.store.keywordSearch({ userId: ALICE }, kw(q.term('hike')), 10);
    expect(ids(hiking).sort()).toEqual([d.hiking.id, d.both.id].sort());
    expect(hiking.every((r) => r.score > 0)).toBe(true);
    const ored = await ctx.store.keywordSearch(
      { userId: ALICE },
      kw(q.or(q.term('hiking'), q.term('photography'))),
      10,
    );
    expect(ids(ored)[0]).toBe(d.both.id);
    expect(ids(ored).sort()).toEqual([d.hiking.id, d.both.id, d.photo.id].sort());
    expect(await ctx.store.keywordSearch({ userId: ALICE }, kw(null), 10)).toEqual([]);
    expect(await ctx.store.keywordSearch({ userId: ALICE }, kw(q.term('zeppelin')), 10)).toEqual([]);
    expect(ids(await ctx.store.keywordSearch({ userId: ALICE }, kw(q.term('hiking')), 1))).toHaveLength(1);
  });

  it('keywordSearch: AND, NOT and phrases', async () => {
    const d = await seedKeyword();
    const search = async (node: Parameters<typeof kw>[0]) =>
      ids(await ctx.store.keywordSearch({ userId: ALICE }, kw(node), 10)).sort();
    expect(await search(q.and(q.term('hiking'), q.term('sister')))).toEqual([d.hiking.id]);
    expect(await search(q.and(q.term('hiking'), q.not(q.term('sister'))))).toEqual([d.both.id]);
    expect(await search(q.and(q.or(q.term('berlin'), q.term('birds')), q.not(q.term('visit'))))).toEqual(
      [d.sister.id, d.photo.id].sort(),
    );
    expect(await search(q.phrase('sister', 'lives'))).toEqual([d.sister.id]);
    expect(await search(q.phrase('lives', 'sister'))).toEqual([]);
    expect(await search(q.phrase('berlin', 'sister'))).toEqual([d.order.id]);
    expect(await search(q.not(q.term('berlin')))).toEqual([]);
  });

  it('keywordSearch: filters apply (layers, ids, superseded)', async () => {
    const d = await seedKeyword();
    const sister = kw(q.term('sister'));
    expect(ids(await ctx.store.keywordSearch({ userId: ALICE, layers: ['episodic'] }, sister, 10))).toEqual([
      d.sister.id,
    ]);
    expect(ids(await ctx.store.keywordSearch({ userId: ALICE, ids: [d.order.id] }, sister, 10))).toEqual([
      d.order.id,
    ]);
    await ctx.store.update([
      { memory: { ...d.order, version: 2, supersededBy: d.sister.id }, op: 'supersede' },
    ]);
    expect(ids(await ctx.store.keywordSearch({ userId: ALICE }, sister, 10))).not.toContain(d.order.id);
    expect(
      ids(await ctx.store.keywordSearch({ userId: ALICE, includeSuperseded: true }, sister, 10)),
    ).toContain(d.order.id);
  });

  it('keywordSearch: prefix terms (skipped when the store lacks the prefix capability)', async (t) => {
    if (!ctx.supports('prefix')) t.skip('store declares no prefix capability');
    const d = await seedKeyword();
    const found = ids(await ctx.store.keywordSearch({ userId: ALICE }, kw(q.prefix('photo')), 10)).sort();
    expect(found).toEqual([d.both.id, d.photo.id].sort());
    expect(ids(await ctx.store.keywordSearch({ userId: ALICE }, kw(q.prefix('berl')), 10)).sort()).toEqual(
      [d.sister.id, d.order.id].sort(),
    );
  });

  it('keywordSearch: fuzzy terms (skipped when the store lacks the fuzzy capability)', async (t) => {
    if (!ctx.supports('fuzzy')) t.skip('store declares no fuzzy capability');
    const d = await seedKeyword();
    const one = ids(await ctx.store.keywordSearch({ userId: ALICE }, kw(q.fuzzy('berlim', 1)), 10)).sort();
    expect(one).toEqual([d.sister.id, d.order.id].sort());
    const two = ids(
      await ctx.store.keywordSearch({ userId: ALICE }, kw(q.fuzzy('fotography', 2)), 10),
    ).sort();
    expect(two).toEqual([d.both.id, d.photo.id].sort());
    expect(await ctx.store.keywordSearch({ userId: ALICE }, kw(q.fuzzy('xyzzyq', 1)), 10)).toEqual([]);
  });
}
