/**
 * Conformance cases for tenant isolation: user B must never see or change user A's memory
 * through ANY method, even when B knows A's ids and searches for A's exact words/vector.
 */
import { expect, it } from 'vitest';
import { ALICE, BOB, expectCode, kw, memory, q, vec } from './store-fixtures.ts';
import type { SuiteContext } from './store-suite-context.ts';

export function registerIsolationCases(ctx: SuiteContext): void {
  it('two users: every read method of user B is blind to user A', async () => {
    const secret = memory({ userId: ALICE, content: 'alice secret passphrase zebra', metadata: { k: 'v' } });
    const bobs = memory({ userId: BOB, content: 'bob likes turtles' });
    await ctx.store.insert([
      { memory: secret, vector: vec(1) },
      { memory: bobs, vector: vec(0, 1) },
    ]);
    const s = ctx.store;
    expect(await s.get(BOB, secret.id)).toBeNull();
    expect(await s.getMany(BOB, [secret.id, bobs.id])).toEqual([bobs]);
    expect([...(await s.getVectors(BOB, [secret.id])).keys()]).toEqual([]);
    expect((await s.list({ userId: BOB }, { limit: 100 })).items.map((m) => m.id)).toEqual([bobs.id]);
    expect(
      (await s.list({ userId: BOB, ids: [secret.id], metadata: { k: 'v' } }, { limit: 100 })).items,
    ).toEqual([]);
    expect(await s.history(BOB, secret.id)).toEqual([]);
    expect((await s.vectorSearch({ userId: BOB }, vec(1), 10)).map((r) => r.id)).toEqual([bobs.id]);
    expect(await s.vectorSearch({ userId: BOB, ids: [secret.id] }, vec(1), 10)).toEqual([]);
    expect(await s.keywordSearch({ userId: BOB }, kw(q.term('zebra')), 10)).toEqual([]);
    expect(await s.keywordSearch({ userId: BOB }, kw(q.phrase('secret', 'passphrase')), 10)).toEqual([]);
    const bobStats = await s.stats(BOB);
    expect(bobStats.memories).toBe(1);
    expect(bobStats.users).toBe(1);
    const scanned: string[] = [];
    for await (const batch of s.scan({ userId: BOB })) scanned.push(...batch.map((r) => r.memory.id));
    expect(scanned).toEqual([bobs.id]);
    expect((await s.stats()).users).toBe(2);
    expect(await s.users()).toEqual([ALICE, BOB].sort());
  });

  it('two users: user B cannot change or delete user A memories', async () => {
    const secret = memory({ userId: ALICE, content: 'alice only' });
    await ctx.store.insert([{ memory: secret, vector: vec(1) }]);
    const s = ctx.store;
    await s.touch(BOB, [secret.id], '2024-09-09T00:00:00.000Z', 1);
    expect(await s.delete(BOB, [secret.id])).toBe(0);
    expect(await s.deleteUser(BOB)).toBe(0);
    await expectCode(
      s.update([{ memory: { ...secret, userId: BOB, content: 'hijack', version: 2 }, op: 'update' }]),
      'conflict',
    );
    await expect(
      s.replaceVectors([{ userId: BOB, id: secret.id, vector: vec(0, 1) }], {
        id: 'suite-model-a',
        dimensions: 8,
      }),
    ).rejects.toThrow();
    await expect(s.restore([{ memory: { ...secret, userId: BOB }, vector: null }], [])).rejects.toThrow();
    expect(await s.get(ALICE, secret.id)).toEqual(secret);
    expect(Array.from((await s.getVectors(ALICE, [secret.id])).get(secret.id)!)).toEqual(Array.from(vec(1)));
  });

  it('deleteUser removes only that user', async () => {
    const a1 = memory({ userId: ALICE });
    const a2 = memory({ userId: ALICE });
    const b1 = memory({ userId: BOB });
    await ctx.store.insert([a1, a2, b1].map((m) => ({ memory: m, vector: vec(1) })));
    expect(await ctx.store.deleteUser(ALICE)).toBe(2);
    expect(await ctx.store.users()).toEqual([BOB]);
    expect(await ctx.store.get(ALICE, a1.id)).toBeNull();
    expect(await ctx.store.history(ALICE, a1.id)).toEqual([]);
    expect(await ctx.store.get(BOB, b1.id)).toEqual(b1);
    expect((await ctx.store.stats()).memories).toBe(1);
  });
}
