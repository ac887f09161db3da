/**
 * Conformance cases for whole-store operations: stats, scan, replaceVectors, the recorded
 * embedding model and refusal of a different one, and persistence across instances when
 * the suite was given a `reopen` function.
 */
import { expect, it } from 'vitest';
import { ALICE, BOB, expectCode, MODEL_A, MODEL_B, memory, vec } from './store-fixtures.ts';
import type { SuiteContext } from './store-suite-context.ts';

export function registerLifecycleCases(ctx: SuiteContext): void {
  it('stats counts memories, versions, bytes and layers, per user and overall', async () => {
    const a = memory({ content: 'abc', layer: 'episodic' });
    const b = memory({ content: 'ünï', layer: 'semantic' });
    const c = memory({ userId: BOB, content: 'bob' });
    await ctx.store.insert([a, b, c].map((m) => ({ memory: m, vector: null })));
    await ctx.store.update([{ memory: { ...a, content: 'abcd', version: 2 }, op: 'update' }]);
    const alice = await ctx.store.stats(ALICE);
    expect(alice.users).toBe(1);
    expect(alice.memories).toBe(2);
    expect(alice.versions).toBe(3);
    expect(alice.byLayer.episodic?.count).toBe(1);
    expect(alice.byLayer.semantic?.count).toBe(1);
    expect(alice.byLayer.temporal).toBeUndefined();
    expect(alice.bytes).toBeGreaterThanOrEqual(4 + 6);
    const all = await ctx.store.stats();
    expect(all.users).toBe(2);
    expect(all.memories).toBe(3);
  });

  it('scan streams every record with its vector in batches', async () => {
    const records = Array.from({ length: 5 }, (_, i) => ({
      memory: memory({ content: `scan ${i}` }),
      vector: vec(1, i),
    }));
    const bobs = { memory: memory({ userId: BOB }), vector: null };
    await ctx.store.insert([...records, bobs]);
    const batches: number[] = [];
    const seen = new Map<string, Float32Array | null>();
    for await (const batch of ctx.store.scan({ userId: ALICE, batchSize: 2 })) {
      batches.push(batch.length);
      for (const r of batch) seen.set(r.memory.id, r.vector);
    }
    expect(batches).toEqual([2, 2, 1]);
    for (const r of records) expect(Array.from(seen.get(r.memory.id)!)).toEqual(Array.from(r.vector));
    let total = 0;
    for await (const batch of ctx.store.scan({})) total += batch.length;
    expect(total).toBe(6);
  });

  it('records the embedding model and refuses another one unless allowed', async () => {
    const a = memory();
    await ctx.store.insert([{ memory: a, vector: vec(1) }]);
    expect(await ctx.store.storedModel()).toEqual(MODEL_A);
    await ctx.store.close();
    const again = ctx.options.reopen ? await ctx.options.reopen(ctx.store) : ctx.store;
    if (again !== ctx.store) ctx.swap(again);
    const error = await expectCode(again.open({ model: MODEL_B }), 'model_mismatch');
    expect(error.message).toContain(MODEL_A.id);
    expect(error.message).toContain(MODEL_B.id);
    expect(error.message).toContain('bin/strata reembed');
    await again.open({ model: MODEL_B, allowModelChange: true });
    await again.replaceVectors([{ userId: ALICE, id: a.id, vector: vec(0, 1) }], MODEL_B);
    expect(await again.storedModel()).toEqual(MODEL_B);
    expect((await again.get(ALICE, a.id))?.embeddingModel).toBe(MODEL_B.id);
    expect(Array.from((await again.getVectors(ALICE, [a.id])).get(a.id)!)).toEqual(Array.from(vec(0, 1)));
    expect((await again.vectorSearch({ userId: ALICE }, vec(0, 1), 1))[0]?.id).toBe(a.id);
  });

  it('replaceVectors is all or nothing', async () => {
    const a = memory();
    await ctx.store.insert([{ memory: a, vector: vec(1) }]);
    await expect(
      ctx.store.replaceVectors(
        [
          { userId: ALICE, id: a.id, vector: vec(0, 1) },
          { userId: ALICE, id: 'missing-id', vector: vec(0, 1) },
        ],
        MODEL_A,
      ),
    ).rejects.toThrow();
    expect(Array.from((await ctx.store.getVectors(ALICE, [a.id])).get(a.id)!)).toEqual(Array.from(vec(1)));
  });

  it('data survives a new instance on the same location (skipped without reopen)', async (t) => {
    if (!ctx.options.reopen) t.skip('no reopen function given: store is not persistent');
    const a = memory({ content: 'persist me' });
    await ctx.store.insert([{ memory: a, vector: vec(1) }]);
    await ctx.store.update([{ memory: { ...a, content: 'persisted', version: 2 }, op: 'update' }]);
    await ctx.store.close();
    const again = await ctx.options.reopen!(ctx.store);
    ctx.swap(again);
    await again.open({ model: MODEL_A });
    expect((await again.get(ALICE, a.id))?.content).toBe('persisted');
    expect(await again.history(ALICE, a.id)).toHaveLength(2);
    expect((await again.vectorSearch({ userId: ALICE }, vec(1), 1))[0]?.id).toBe(a.id);
    expect(
      (
        await again.keywordSearch(
          { userId: ALICE },
          { raw: 'p', ast: { type: 'term', value: 'persisted' } },
          1,
        )
      )[0]?.id,
    ).toBe(a.id);
  });
}
