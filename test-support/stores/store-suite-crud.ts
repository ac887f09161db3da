/**
 * Conformance cases for writes and reads by id: insert/get/getMany, id conflicts and
 * all-or-nothing batches, optimistic versioning and history, restore idempotency, list
 * pagination and filters, touch, delete, hostile unicode round-trips.
 */
import { expect, it } from 'vitest';
import { ALICE, expectCode, memory, vec } from './store-fixtures.ts';
import type { SuiteContext } from './store-suite-context.ts';

const HOSTILE = [
  'emoji 👩‍👩‍👧‍👦 and 🏳️‍🌈, flags 🇩🇪',
  'right-to-left: שלום עולם مرحبا بالعالم',
  'zero\u200bwidth\u200d joiners\ufeff and combining e\u0301 vs é',
  `quotes ' " \` and SQL '); DROP TABLE memories; --`,
  'FTS syntax: NEAR(a b) OR "x" AND * ^col: {a b} -c +d',
  'lone surrogate-free astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and CJK 東京で寿司',
  'control\tchars\nnew line\r\n and backslash \\ and a real NUL \u0000 inside',
];

export function registerCrudCases(ctx: SuiteContext): void {
  it('insert then get/getMany returns exactly what was stored', async () => {
    const a = memory({
      content: 'likes green tea',
      metadata: { topic: 'food', n: 1, nested: { a: [1, 2] } },
    });
    const b = memory({ content: 'lives in Berlin', layer: 'episodic' });
    await ctx.store.insert([
      { memory: a, vector: vec(1) },
      { memory: b, vector: null },
    ]);
    expect(await ctx.store.get(ALICE, a.id)).toEqual(a);
    expect(await ctx.store.get(ALICE, 'missing-id')).toBeNull();
    const many = await ctx.store.getMany(ALICE, [b.id, 'missing-id', a.id]);
    expect(many.map((m) => m.id).sort()).toEqual([a.id, b.id].sort());
    expect(many.find((m) => m.id === b.id)).toEqual(b);
    const vectors = await ctx.store.getVectors(ALICE, [a.id, b.id]);
    expect([...vectors.keys()]).toEqual([a.id]);
    expect(Array.from(vectors.get(a.id)!)).toEqual(Array.from(vec(1)));
  });

  it('a taken id is a conflict and the whole batch is rejected', async () => {
    const a = memory();
    await ctx.store.insert([{ memory: a, vector: vec(1) }]);
    const fresh = memory();
    await expectCode(
      ctx.store.insert([
        { memory: fresh, vector: vec(0, 1) },
        { memory: { ...a, content: 'changed' }, vector: vec(1) },
      ]),
      'conflict',
    );
    expect(await ctx.store.get(ALICE, fresh.id)).toBeNull();
    expect((await ctx.store.get(ALICE, a.id))?.content).toBe(a.content);
  });

  it('update writes versions; a stale version is a conflict and changes nothing', async () => {
    const v1 = memory({ content: 'works at Acme' });
    await ctx.store.insert([{ memory: v1, vector: vec(1) }]);
    const v2 = { ...v1, content: 'works at Globex', version: 2, updatedAt: '2024-02-01T00:00:00.000Z' };
    await ctx.store.update([{ memory: v2, vector: vec(0, 1), op: 'update' }]);
    const v3 = { ...v2, importance: 0.9, version: 3, updatedAt: '2024-03-01T00:00:00.000Z' };
    await ctx.store.update([{ memory: v3, op: 'supersede' }]);
    expect(await ctx.store.get(ALICE, v1.id)).toEqual(v3);
    // vector omitted in the last update: the v2 vector stays
    expect(Array.from((await ctx.store.getVectors(ALICE, [v1.id])).get(v1.id)!)).toEqual(
      Array.from(vec(0, 1)),
    );
    const history = await ctx.store.history(ALICE, v1.id);
    expect(history.map((h) => [h.version, h.op])).toEqual([
      [1, 'create'],
      [2, 'update'],
      [3, 'supersede'],
    ]);
    expect(history[0]?.memory.content).toBe('works at Acme');
    expect(history[1]?.memory).toEqual(v2);
    const stale = { ...v2, content: 'stale write', version: 3 };
    await expectCode(ctx.store.update([{ memory: stale, op: 'update' }]), 'conflict');
    expect(await ctx.store.get(ALICE, v1.id)).toEqual(v3);
    expect(await ctx.store.history(ALICE, v1.id)).toHaveLength(3);
    await expectCode(
      ctx.store.update([{ memory: memory({ content: 'never inserted' }), op: 'update' }]),
      'conflict',
    );
  });

  it('update batches are all or nothing', async () => {
    const a = memory();
    const b = memory();
    await ctx.store.insert([
      { memory: a, vector: vec(1) },
      { memory: b, vector: vec(0, 1) },
    ]);
    await expectCode(
      ctx.store.update([
        { memory: { ...a, content: 'first ok', version: 2 }, op: 'update' },
        { memory: { ...b, content: 'second stale', version: 5 }, op: 'update' },
      ]),
      'conflict',
    );
    expect((await ctx.store.get(ALICE, a.id))?.version).toBe(1);
    expect(await ctx.store.history(ALICE, a.id)).toHaveLength(1);
  });

  it('restore writes records and history exactly and is idempotent', async () => {
    const original = memory({ content: 'original text' });
    await ctx.store.insert([{ memory: original, vector: vec(1) }]);
    const v2 = { ...original, content: 'restored text', version: 2, updatedAt: '2024-05-05T05:05:05.000Z' };
    const history = [
      { memoryId: original.id, version: 1, op: 'create' as const, at: original.updatedAt, memory: original },
      { memoryId: original.id, version: 2, op: 'update' as const, at: v2.updatedAt, memory: v2 },
    ];
    const other = memory({ content: 'brand new from import' });
    const otherHistory = [
      { memoryId: other.id, version: 1, op: 'import' as const, at: other.updatedAt, memory: other },
    ];
    const records = [
      { memory: v2, vector: vec(0, 0, 1) },
      { memory: other, vector: null },
    ];
    const restoreAndRead = async () => {
      await ctx.store.restore(records, [...history, ...otherHistory]);
      return {
        a: await ctx.store.get(ALICE, original.id),
        h: await ctx.store.history(ALICE, original.id),
        o: await ctx.store.get(ALICE, other.id),
        stats: await ctx.store.stats(ALICE),
      };
    };
    const first = await restoreAndRead();
    const second = await restoreAndRead();
    expect(first.a).toEqual(v2);
    expect(first.o).toEqual(other);
    expect(first.h).toEqual(history);
    expect(second).toEqual(first);
    expect(first.stats.memories).toBe(2);
    expect(first.stats.versions).toBe(3);
  });

  it('list pages in (createdAt, id) order with an opaque cursor', async () => {
    const all = Array.from({ length: 7 }, (_, i) =>
      memory({ createdAt: new Date(Date.UTC(2023, 5, 1 + i)).toISOString(), content: `item ${i}` }),
    );
    // same createdAt: id breaks the tie
    const twin = memory({ createdAt: all[3]!.createdAt, content: 'twin' });
    await ctx.store.insert([...all, twin].reverse().map((m) => ({ memory: m, vector: null })));
    const expected = [...all, twin]
      .sort((x, y) =>
        x.createdAt === y.createdAt ? (x.id < y.id ? -1 : 1) : x.createdAt < y.createdAt ? -1 : 1,
      )
      .map((m) => m.id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await ctx.store.list({ userId: ALICE }, cursor ? { limit: 3, cursor } : { limit: 3 });
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(expected);
    await expectCode(
      ctx.store.list({ userId: ALICE }, { limit: 3, cursor: 'not a cursor!' }),
      'validation_error',
    );
  });

  it('list filters: layers, since/until (inclusive), metadata, superseded, ids', async () => {
    const a = memory({
      layer: 'episodic',
      createdAt: '2024-03-01T00:00:00.000Z',
      metadata: { chat: 'x', n: 1 },
    });
    const b = memory({
      layer: 'semantic',
      createdAt: '2024-03-02T00:00:00.000Z',
      metadata: { chat: 'y', n: 1 },
    });
    const c = memory({ layer: 'temporal', createdAt: '2024-03-03T00:00:00.000Z', supersededBy: a.id });
    await ctx.store.insert([a, b, c].map((m) => ({ memory: m, vector: null })));
    const list = async (filter: Record<string, unknown>) =>
      (await ctx.store.list({ userId: ALICE, ...filter }, { limit: 50 })).items.map((m) => m.id);
    expect(await list({ layers: ['episodic', 'temporal'], includeSuperseded: true })).toEqual([a.id, c.id]);
    expect(await list({ since: '2024-03-02T00:00:00.000Z', includeSuperseded: true })).toEqual([b.id, c.id]);
    expect(await list({ until: '2024-03-02T00:00:00Z' })).toEqual([a.id, b.id]);
    expect(await list({ since: '2024-03-01T12:00:00Z', until: '2024-03-02T12:00:00Z' })).toEqual([b.id]);
    expect(await list({ metadata: { chat: 'x' } })).toEqual([a.id]);
    expect(await list({ metadata: { n: 1 } })).toEqual([a.id, b.id]);
    expect(await list({ metadata: { n: '1' } })).toEqual([]);
    expect(await list({ metadata: { missing: 'x' } })).toEqual([]);
    expect(await list({})).toEqual([a.id, b.id]);
    expect(await list({ includeSuperseded: true })).toEqual([a.id, b.id, c.id]);
    expect(await list({ ids: [c.id, b.id], includeSuperseded: true })).toEqual([b.id, c.id]);
    await expectCode(
      ctx.store.list({ userId: ALICE, since: 'yesterday-ish' }, { limit: 5 }),
      'validation_error',
    );
  });

  it('touch reinforces without creating a version', async () => {
    const a = memory();
    await ctx.store.insert([{ memory: a, vector: vec(1) }]);
    await ctx.store.touch(ALICE, [a.id, 'missing-id'], '2024-06-01T10:00:00.000Z', 0.5);
    await ctx.store.touch(ALICE, [a.id], '2024-06-02T10:00:00.000Z');
    const got = await ctx.store.get(ALICE, a.id);
    expect(got?.accessCount).toBe(2);
    expect(got?.lastAccessedAt).toBe('2024-06-02T10:00:00.000Z');
    expect(got?.strength).toBeCloseTo(1.5);
    expect(got?.version).toBe(1);
    expect(await ctx.store.history(ALICE, a.id)).toHaveLength(1);
  });

  it('delete removes memories, vectors and history and returns how many existed', async () => {
    const a = memory({ content: 'delete me please' });
    const b = memory({ content: 'keep me around' });
    await ctx.store.insert([
      { memory: a, vector: vec(1) },
      { memory: b, vector: vec(0, 1) },
    ]);
    expect(await ctx.store.delete(ALICE, [a.id, a.id, 'missing-id'])).toBe(1);
    expect(await ctx.store.get(ALICE, a.id)).toBeNull();
    expect(await ctx.store.history(ALICE, a.id)).toEqual([]);
    expect((await ctx.store.getVectors(ALICE, [a.id])).size).toBe(0);
    expect((await ctx.store.vectorSearch({ userId: ALICE }, vec(1), 5)).map((r) => r.id)).toEqual([b.id]);
    expect(
      await ctx.store.keywordSearch(
        { userId: ALICE },
        { raw: 'delete', ast: { type: 'term', value: 'delete' } },
        5,
      ),
    ).toEqual([]);
    expect(await ctx.store.delete(ALICE, [a.id])).toBe(0);
  });

  it('hostile unicode content and metadata round-trip byte for byte', async () => {
    const records = HOSTILE.map((content, i) => ({
      memory: memory({ content, metadata: { text: content, i, 'key with "quotes"': '💥' } }),
      vector: vec(i + 1, 1),
    }));
    await ctx.store.insert(records);
    for (const { memory: m } of records) expect(await ctx.store.get(ALICE, m.id)).toEqual(m);
    const found = await ctx.store.keywordSearch(
      { userId: ALICE },
      { raw: 'DROP', ast: { type: 'term', value: 'drop' } },
      10,
    );
    expect(found.map((r) => r.id)).toEqual([records[3]!.memory.id]);
    const syntax = await ctx.store.keywordSearch(
      { userId: ALICE },
      { raw: 'NEAR', ast: { type: 'phrase', terms: ['near', 'a', 'b'] } },
      10,
    );
    expect(syntax.map((r) => r.id)).toEqual([records[4]!.memory.id]);
  });
}
