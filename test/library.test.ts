/**
 * End-to-end tests of the library API (createMemory) on every available store: CRUD with
 * versions, rollback, search, list pagination and time filters, close semantics, and
 * re-embedding after a model change.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { ClosedError, MemoryError } from '../src/errors.ts';
import { InMemoryStore } from '../src/stores/memory/memory-store.ts';
import { fixedClock } from '../src/util/clock.ts';
import { availableStores, engineConfig, tempDir } from '../test-support/engine/e2e-engine.ts';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (MemoryError.isInstance(error)) return error.code;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe.each(availableStores())('library on the %s store', (kind) => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  const clock = fixedClock('2024-06-05T12:00:00Z');

  beforeEach(() => {
    dir = tempDir();
    clock.set('2024-06-05T12:00:00Z');
    memory = createMemory(engineConfig(kind, dir.path), { clock });
  });
  afterEach(async () => {
    await memory.close();
    dir.remove();
  });

  it('adds, gets, updates with versions, rolls back and deletes', async () => {
    const added = await memory.add({
      userId: 'alice',
      content: '  I live in Berlin  ',
      metadata: { topic: 'home' },
    });
    expect(added).toMatchObject({
      userId: 'alice',
      layer: 'semantic',
      content: 'I live in Berlin',
      version: 1,
    });
    expect(added.createdAt).toBe('2024-06-05T12:00:00.000Z');
    expect(await memory.get('alice', added.id)).toEqual(added);

    clock.advance(60_000);
    const updated = await memory.update('alice', added.id, { content: 'I live in Munich', importance: 0.9 });
    expect(updated).toMatchObject({
      version: 2,
      content: 'I live in Munich',
      importance: 0.9,
      createdAt: added.createdAt,
    });
    expect(updated.updatedAt).toBe('2024-06-05T12:01:00.000Z');

    const history = await memory.history('alice', added.id);
    expect(history.map((v) => [v.version, v.op, v.memory.content])).toEqual([
      [1, 'create', 'I live in Berlin'],
      [2, 'update', 'I live in Munich'],
    ]);

    const rolled = await memory.rollback('alice', added.id, 1);
    expect(rolled).toMatchObject({ version: 3, content: 'I live in Berlin', importance: 0.5 });
    expect((await memory.history('alice', added.id)).at(-1)?.op).toBe('rollback');
    const hits = await memory.search({ userId: 'alice', query: 'Berlin' });
    expect(hits[0]?.memory.id).toBe(added.id);

    expect(await codeOf(memory.rollback('alice', added.id, 9))).toBe('not_found');
    await memory.delete('alice', added.id);
    expect(await codeOf(memory.get('alice', added.id))).toBe('not_found');
    expect(await codeOf(memory.delete('alice', added.id))).toBe('not_found');
  });

  it('addMany embeds in one batch and search ranks by content', async () => {
    const added = await memory.addMany([
      { userId: 'alice', content: 'My cat Tom likes tuna' },
      { userId: 'alice', content: 'I work as a nurse in a hospital', layer: 'episodic' },
      { userId: 'alice', content: 'Planning a trip to Japan in spring' },
    ]);
    expect(added).toHaveLength(3);
    const results = await memory.search({ userId: 'alice', query: 'trip to Japan', k: 2 });
    expect(results[0]?.memory.content).toBe('Planning a trip to Japan in spring');
    expect(results.length).toBeLessThanOrEqual(2);
    expect(results[0]?.signals?.vector).toBeGreaterThan(0);

    const keywordOnly = await memory.search({ userId: 'alice', query: 'nurse', mode: 'keyword' });
    expect(keywordOnly.map((r) => r.memory.layer)).toEqual(['episodic']);
    const episodic = await memory.search({
      userId: 'alice',
      query: 'tuna japan nurse',
      layers: ['episodic'],
    });
    expect(episodic.every((r) => r.memory.layer === 'episodic')).toBe(true);
  });

  it('lists only the requested layer', async () => {
    await memory.addMany([
      { userId: 'alice', content: 'a fact about tea', layer: 'semantic' },
      { userId: 'alice', content: 'what alice said about tea', layer: 'episodic' },
      { userId: 'alice', content: 'another fact about coffee', layer: 'semantic' },
    ]);
    const semantic = await memory.list({ userId: 'alice', layer: 'semantic' });
    expect(semantic.items.map((m) => m.content).sort()).toEqual([
      'a fact about tea',
      'another fact about coffee',
    ]);
    const episodic = await memory.list({ userId: 'alice', layer: 'episodic' });
    expect(episodic.items.map((m) => m.content)).toEqual(['what alice said about tea']);
    expect((await memory.list({ userId: 'alice', layer: 'temporal' })).items).toEqual([]);
    expect((await memory.list({ userId: 'alice' })).items).toHaveLength(3);
  });

  it('lists with cursor pagination and since/until (ISO and natural language)', async () => {
    const days = [
      '2024-06-01T10:00:00Z',
      '2024-06-02T10:00:00Z',
      '2024-06-03T10:00:00Z',
      '2024-06-04T10:00:00Z',
    ];
    await memory.addMany(
      days.map((createdAt, i) => ({ userId: 'alice', content: `note number ${i}`, createdAt })),
    );
    const first = await memory.list({ userId: 'alice', limit: 3 });
    expect(first.items.map((m) => m.content)).toEqual(['note number 0', 'note number 1', 'note number 2']);
    expect(first.nextCursor).not.toBeNull();
    const second = await memory.list({ userId: 'alice', limit: 3, cursor: first.nextCursor! });
    expect(second.items.map((m) => m.content)).toEqual(['note number 3']);
    expect(second.nextCursor).toBeNull();

    const yesterday = await memory.list({ userId: 'alice', since: 'yesterday', until: 'yesterday' });
    expect(yesterday.items.map((m) => m.content)).toEqual(['note number 3']);
    const iso = await memory.list({ userId: 'alice', since: '2024-06-02', until: '2024-06-03' });
    expect(iso.items.map((m) => m.content)).toEqual(['note number 1', 'note number 2']);
    const searched = await memory.search({
      userId: 'alice',
      query: 'note',
      since: '2 days ago',
      until: '2 days ago',
    });
    expect(searched.map((r) => r.memory.content)).toEqual(['note number 2']);
  });

  it('applies concurrent updates of one memory as successive versions', async () => {
    const added = await memory.add({ userId: 'alice', content: 'counter 0' });
    const updates = [1, 2, 3, 4].map((n) => memory.update('alice', added.id, { content: `counter ${n}` }));
    const versions = (await Promise.all(updates)).map((m) => m.version).sort();
    expect(versions).toEqual([2, 3, 4, 5]);
    const history = await memory.history('alice', added.id);
    expect(history.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports stats for the store and the embedder', async () => {
    await memory.add({ userId: 'alice', content: 'one' });
    await memory.add({ userId: 'bob', content: 'two', layer: 'episodic' });
    const all = await memory.stats();
    expect(all).toMatchObject({ users: 2, memories: 2, store: { kind } });
    expect(all.byLayer.episodic.count).toBe(1);
    expect(all.embedder?.model).toBe('strata-hash-256@1');
    expect((await memory.stats('alice')).memories).toBe(1);
  });

  it('is ready after ready(), closes idempotently and refuses calls after close', async () => {
    expect(memory.isReady).toBe(false);
    await memory.ready();
    expect(memory.isReady).toBe(true);
    const pending = memory.add({ userId: 'alice', content: 'written before close' });
    await Promise.all([memory.close(), memory.close()]);
    await expect(pending).resolves.toMatchObject({ content: 'written before close' });
    expect(memory.isReady).toBe(false);
    await expect(memory.get('alice', 'x')).rejects.toBeInstanceOf(ClosedError);
    await expect(memory.ready()).rejects.toBeInstanceOf(ClosedError);
  });
});

describe('model changes', () => {
  it('refuses a store made by another model until reembed, then searches with the new one', async () => {
    const store = new InMemoryStore();
    const old = createMemory(engineConfig('memory', '.'), { store });
    await old.add({ userId: 'alice', content: 'I love hiking in the Alps' });
    await old.add({ userId: 'alice', content: 'Tea with lemon' });
    await old.close();

    const changed = createMemory(
      engineConfig('memory', '.', { embedder: { kind: 'hash', dimensions: 128 } }),
      {
        store,
      },
    );
    expect(await codeOf(changed.ready())).toBe('model_mismatch');
    const progress: number[] = [];
    expect(await changed.reembed((p) => progress.push(p.done))).toEqual({ reembedded: 2 });
    expect(progress.at(-1)).toBe(2);
    const results = await changed.search({ userId: 'alice', query: 'hiking Alps' });
    expect(results[0]?.memory).toMatchObject({
      content: 'I love hiking in the Alps',
      embeddingModel: 'strata-hash-128@1',
    });
    expect(await changed.reembed()).toEqual({ reembedded: 0 });
    await changed.close();
  });
});

describe('write conflicts', () => {
  it('re-applies an update after another process wrote the same memory', async () => {
    const store = new InMemoryStore();
    const memory = createMemory(engineConfig('memory', '.'), { store });
    const added = await memory.add({ userId: 'alice', content: 'v1' });
    const realUpdate = store.update.bind(store);
    let intercepted = false;
    store.update = async (changes) => {
      if (!intercepted) {
        intercepted = true;
        // Another writer lands version 2 first.
        const current = (await store.get('alice', added.id))!;
        await realUpdate([{ memory: { ...current, importance: 0.9, version: 2 }, op: 'update' }]);
      }
      return realUpdate(changes);
    };
    const updated = await memory.update('alice', added.id, { content: 'v3 from us' });
    expect(updated).toMatchObject({ version: 3, content: 'v3 from us', importance: 0.9 });
    await memory.close();
  });
});
