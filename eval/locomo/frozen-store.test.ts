import { describe, expect, it } from 'vitest';
import { newMemory } from '../../src/records.ts';
import { InMemoryStore } from '../../src/stores/memory/memory-store.ts';
import { freezableStore } from './frozen-store.ts';

describe('freezableStore', () => {
  it('passes writes through until frozen, then ignores recall side effects only', async () => {
    const { store, freeze } = freezableStore(new InMemoryStore());
    await store.open({ model: { id: 'm', dimensions: 2 } });
    const at = '2024-01-01T00:00:00.000Z';
    const memory = newMemory(
      { id: 'a', userId: 'u', layer: 'episodic', content: 'hello', createdAt: at },
      at,
      'm',
    );
    await store.insert([{ memory, vector: new Float32Array([1, 0]) }]);
    await store.touch('u', ['a'], '2024-01-02T00:00:00.000Z', 0.05);
    expect((await store.get('u', 'a'))?.accessCount).toBe(1);
    freeze();
    await store.touch('u', ['a'], '2024-01-03T00:00:00.000Z', 0.05);
    expect((await store.get('u', 'a'))?.accessCount).toBe(1);
    expect(await store.getMany('u', ['a'])).toHaveLength(1);
    // Link strengthening writes through commit(): frozen too.
    await store.commit({ update: [{ memory: { ...memory, version: 2 }, op: 'update' }] });
    expect((await store.get('u', 'a'))?.version).toBe(1);
    await store.close();
  });
});
