/**
 * Conformance cases for commit(): a batch of inserts and updates lands all or nothing, so
 * observeTurn can store a turn's new memories together with the supersede versions of the
 * facts they contradict. A stale version, a taken id or a foreign id anywhere in the batch
 * must leave every record (and every version) exactly as it was.
 */
import { expect, it } from 'vitest';
import type { Memory } from '../../src/types.ts';
import { ALICE, BOB, expectCode, memory, vec } from './store-fixtures.ts';
import type { SuiteContext } from './store-suite-context.ts';

const LATER = '2024-06-01T00:00:00.000Z';

function superseded(old: Memory, by: string): Memory {
  return { ...old, supersededBy: by, version: old.version + 1, updatedAt: LATER };
}

export function registerCommitCases(ctx: SuiteContext): void {
  it('commit: a valid batch applies its inserts and updates with their versions', async () => {
    const old = memory({ content: 'user lives in Paris' });
    await ctx.store.insert([{ memory: old, vector: vec(1) }]);
    const fresh = memory({ content: 'user lives in Berlin' });
    const next = superseded(old, fresh.id);
    await ctx.store.commit({
      insert: [{ memory: fresh, vector: vec(0, 1) }],
      update: [{ memory: next, op: 'supersede' }],
    });
    expect(await ctx.store.get(ALICE, fresh.id)).toEqual(fresh);
    expect(await ctx.store.get(ALICE, old.id)).toEqual(next);
    expect((await ctx.store.history(ALICE, old.id)).map((v) => [v.version, v.op])).toEqual([
      [1, 'create'],
      [2, 'supersede'],
    ]);
    expect((await ctx.store.history(ALICE, fresh.id)).map((v) => v.op)).toEqual(['create']);
    // The superseded fact is hidden from search, the new one found by its vector.
    expect((await ctx.store.vectorSearch({ userId: ALICE }, vec(1), 5)).map((r) => r.id)).toEqual([fresh.id]);
  });

  it('commit: a stale update version leaves no inserted record and no version behind', async () => {
    const old = memory({ content: 'user works at Acme' });
    await ctx.store.insert([{ memory: old, vector: vec(1) }]);
    const fresh = memory({ content: 'user works at Globex' });
    const stale = { ...superseded(old, fresh.id), version: 3 };
    await expectCode(
      ctx.store.commit({
        insert: [{ memory: fresh, vector: vec(0, 1) }],
        update: [{ memory: stale, op: 'supersede' }],
      }),
      'conflict',
    );
    expect(await ctx.store.get(ALICE, fresh.id)).toBeNull();
    expect(await ctx.store.history(ALICE, fresh.id)).toEqual([]);
    expect(await ctx.store.get(ALICE, old.id)).toEqual(old);
    expect(await ctx.store.history(ALICE, old.id)).toHaveLength(1);
    expect((await ctx.store.stats(ALICE)).memories).toBe(1);
  });

  it('commit: a taken id among the inserts leaves the updates unapplied', async () => {
    const old = memory();
    const taken = memory();
    await ctx.store.insert([
      { memory: old, vector: vec(1) },
      { memory: taken, vector: vec(0, 1) },
    ]);
    const fresh = memory();
    await expectCode(
      ctx.store.commit({
        insert: [
          { memory: fresh, vector: vec(1, 1) },
          { memory: taken, vector: vec(0, 1) },
        ],
        update: [{ memory: superseded(old, fresh.id), op: 'supersede' }],
      }),
      'conflict',
    );
    expect(await ctx.store.get(ALICE, fresh.id)).toBeNull();
    expect(await ctx.store.get(ALICE, old.id)).toEqual(old);
  });

  it('commit: an empty batch is a no-op and one id both inserted and updated is refused', async () => {
    await ctx.store.commit({});
    await ctx.store.commit({ insert: [], update: [] });
    expect((await ctx.store.stats()).memories).toBe(0);
    const m = memory();
    await expectCode(
      ctx.store.commit({
        insert: [{ memory: m, vector: vec(1) }],
        update: [{ memory: { ...m, version: 2 }, op: 'update' }],
      }),
      'validation_error',
    );
    expect(await ctx.store.get(ALICE, m.id)).toBeNull();
  });

  it('commit: two users stay isolated; an update of another user memory fails the whole batch', async () => {
    const alices = memory({ userId: ALICE, content: 'alice fact' });
    await ctx.store.insert([{ memory: alices, vector: vec(1) }]);
    const bobs = memory({ userId: BOB, content: 'bob fact' });
    await expectCode(
      ctx.store.commit({
        insert: [{ memory: bobs, vector: vec(0, 1) }],
        update: [{ memory: { ...superseded(alices, bobs.id), userId: BOB }, op: 'supersede' }],
      }),
      'conflict',
    );
    expect(await ctx.store.get(BOB, bobs.id)).toBeNull();
    expect(await ctx.store.get(ALICE, alices.id)).toEqual(alices);

    // A valid two-user batch lands for each user and stays invisible to the other.
    const bobNext = memory({ userId: BOB, content: 'bob second fact' });
    const aliceNext = { ...alices, content: 'alice fact, revised', version: 2, updatedAt: LATER };
    await ctx.store.commit({
      insert: [
        { memory: bobs, vector: vec(0, 1) },
        { memory: bobNext, vector: vec(0, 0, 1) },
      ],
      update: [{ memory: aliceNext, op: 'update' }],
    });
    expect(await ctx.store.get(ALICE, alices.id)).toEqual(aliceNext);
    expect(await ctx.store.get(ALICE, bobs.id)).toBeNull();
    expect(await ctx.store.get(BOB, alices.id)).toBeNull();
    expect((await ctx.store.list({ userId: BOB }, { limit: 10 })).items.map((m) => m.id)).toEqual([
      bobs.id,
      bobNext.id,
    ]);
    expect(await ctx.store.history(BOB, alices.id)).toEqual([]);
  });
}
