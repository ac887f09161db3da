/**
 * commit() on Qdrant has no transaction to lean on: it validates the whole batch, writes,
 * and undoes what it wrote when a request fails. This fails the k-th request of a commit
 * for every k until the commit gets through, and checks each failure left the store as
 * it was: no inserted memory, the updated memory at its old version, no extra history.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeQdrant } from '../../../test-support/fake-qdrant/fake-qdrant.ts';
import { storeOptions } from '../../../test-support/fake-qdrant/test-options.ts';
import { ALICE, MODEL_A, memory, vec } from '../../../test-support/stores/store-fixtures.ts';
import { QdrantStore } from './store.ts';

const fake = new FakeQdrant();
beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});

describe('qdrant commit compensation', () => {
  it('a request failing at any step of a commit leaves no partial batch', async () => {
    const store = new QdrantStore(storeOptions(fake.url, { retries: 0 }));
    await store.open({ model: MODEL_A });
    const old = memory({ content: 'user lives in Paris' });
    await store.insert([{ memory: old, vector: vec(1) }]);
    let failedSteps = 0;
    for (let pass = 0; pass < 20; pass++) {
      const fresh = memory({ content: 'user lives in Berlin' });
      const next = { ...old, supersededBy: fresh.id, version: 2, updatedAt: fresh.updatedAt };
      fake.passThenFail(pass, 400);
      const outcome = await store
        .commit({
          insert: [{ memory: fresh, vector: vec(0, 1) }],
          update: [{ memory: next, op: 'supersede' }],
        })
        .then(
          () => 'ok' as const,
          (error: unknown) => error,
        );
      if (outcome === 'ok') {
        // The commit needed fewer requests than `pass`: the injected failure is still queued.
        await expect(store.get(ALICE, old.id)).rejects.toMatchObject({ code: 'upstream_error' });
        expect(await store.get(ALICE, fresh.id)).toEqual(fresh);
        expect(await store.get(ALICE, old.id)).toEqual(next);
        break;
      }
      failedSteps++;
      expect((outcome as { code?: string }).code, `step ${pass}`).toBe('upstream_error');
      expect(await store.get(ALICE, fresh.id), `step ${pass}: insert undone`).toBeNull();
      expect(await store.history(ALICE, fresh.id)).toEqual([]);
      expect(await store.get(ALICE, old.id), `step ${pass}: update undone`).toEqual(old);
      expect((await store.history(ALICE, old.id)).map((v) => v.version)).toEqual([1]);
    }
    // Validation reads plus the four writes: failures were injected at every one of them.
    expect(failedSteps).toBeGreaterThanOrEqual(5);
    expect(await store.get(ALICE, old.id)).toMatchObject({ version: 2 });
    await store.drop();
    await store.close();
  });
});
