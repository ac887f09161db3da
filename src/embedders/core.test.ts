import { describe, expect, it } from 'vitest';
import { ClosedError, EmbedderError, MemoryError, ModelMissingError } from '../errors.ts';
import { contentKey, createEmbedderCore } from './core.ts';
import type { EmbeddingProvider } from './types.ts';

/** A provider that records every call; vectors encode the text length so results are checkable. */
class FakeProvider implements EmbeddingProvider {
  readonly id = 'fake@1';
  readonly dimensions = 4;
  readonly maxBatchSize: number;
  readonly supportsParallelCalls = false;
  loads = 0;
  failLoads = 0;
  loadDelayMs = 5;
  batches: string[][] = [];
  disposed = false;
  constructor(maxBatchSize = 8) {
    this.maxBatchSize = maxBatchSize;
  }
  async load(): Promise<void> {
    this.loads++;
    await new Promise((r) => setTimeout(r, this.loadDelayMs));
    if (this.failLoads > 0) {
      this.failLoads--;
      throw new ModelMissingError('model file /nowhere/model.bin is missing');
    }
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    this.batches.push(texts);
    await new Promise((r) => setTimeout(r, 1));
    return texts.map((t) => Float32Array.from([t.length, 1, 0, 0]));
  }
  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

describe('embedder core', () => {
  it('ten concurrent first calls cause exactly one provider load', async () => {
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider, { batchWindowMs: 1 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => embedder.embed(`text ${i}`)));
    expect(provider.loads).toBe(1);
    expect(results).toHaveLength(10);
    expect(results[3]?.[0]).toBe('text 3'.length);
    expect(embedder.stats().loadCount).toBe(1);
    expect(embedder.loaded).toBe(true);
    await embedder.close();
  });

  it('ready() is single-flight too', async () => {
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider);
    await Promise.all(Array.from({ length: 10 }, () => embedder.ready()));
    expect(provider.loads).toBe(1);
    await embedder.close();
  });

  it('a failed load is not cached: the next call retries and can succeed', async () => {
    const provider = new FakeProvider();
    provider.failLoads = 1;
    const embedder = createEmbedderCore(provider);
    const first = await Promise.allSettled([embedder.embed('a'), embedder.embed('b')]);
    expect(first.every((r) => r.status === 'rejected')).toBe(true);
    const reason = (first[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(ModelMissingError);
    expect(provider.loads).toBe(1);
    const vector = await embedder.embed('abc');
    expect(provider.loads).toBe(2);
    expect(vector[0]).toBe(3);
    await embedder.close();
  });

  it('non-MemoryError load failures become EmbedderError naming the model', async () => {
    const provider = new FakeProvider();
    provider.load = async () => {
      throw new Error('disk on fire');
    };
    const embedder = createEmbedderCore(provider);
    const error = await embedder.embed('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbedderError);
    expect((error as MemoryError).message).toContain('fake@1');
    expect((error as MemoryError).message).toContain('disk on fire');
  });

  it('coalesces concurrent requests into batches of at most maxBatchSize', async () => {
    const provider = new FakeProvider(8);
    const embedder = createEmbedderCore(provider, { batchWindowMs: 5 });
    await embedder.ready();
    const texts = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const vectors = await Promise.all(texts.map((t) => embedder.embed(t)));
    expect(vectors.map((v) => v[0])).toEqual(texts.map((t) => t.length));
    expect(provider.batches.length).toBe(3);
    expect(provider.batches.map((b) => b.length)).toEqual([8, 8, 4]);
    expect(provider.batches.flat().sort()).toEqual([...texts].sort());
    expect(embedder.stats().batches).toBe(3);
    await embedder.close();
  });

  it('requests arriving while a batch runs are coalesced into the next batch', async () => {
    const provider = new FakeProvider(64);
    const embedder = createEmbedderCore(provider, { batchWindowMs: 0 });
    const first = embedder.embed('first');
    await new Promise((r) => setImmediate(r));
    const rest = Array.from({ length: 5 }, (_, i) => embedder.embed(`later ${i}`));
    await Promise.all([first, ...rest]);
    expect(provider.batches).toEqual([['first'], ['later 0', 'later 1', 'later 2', 'later 3', 'later 4']]);
    await embedder.close();
  });

  it('embedMany keeps order and the queue respects the max batch size', async () => {
    const provider = new FakeProvider(4);
    const embedder = createEmbedderCore(provider, { maxBatchSize: 100 });
    const texts = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff'];
    const vectors = await embedder.embedMany(texts);
    expect(vectors.map((v) => v[0])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Math.max(...provider.batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    await embedder.close();
  });

  it('caches by content: repeated texts hit the cache and skip the provider', async () => {
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider, { cacheSize: 10 });
    const a = await embedder.embed('hello world');
    a[0] = 999; // callers get copies, so mutation cannot poison the cache
    const b = await embedder.embed('hello world');
    expect(b[0]).toBe(11);
    expect(provider.batches.flat()).toEqual(['hello world']);
    const stats = embedder.stats();
    expect(stats.cacheHits).toBe(1);
    expect(stats.cacheMisses).toBe(1);
    expect(stats.cacheHitRate).toBe(0.5);
    expect(stats.cacheSize).toBe(1);
    await embedder.close();
  });

  it('keys short texts by themselves and long ones by a digest no text can impersonate', async () => {
    const long = 'x'.repeat(500);
    expect(contentKey('hello')).toBe('hello');
    expect(contentKey(long)).not.toBe(contentKey(`${long}y`));
    expect(contentKey(long).length).toBeLessThan(40);
    expect(contentKey(contentKey(long))).not.toBe(contentKey(long));
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider, { cacheSize: 10 });
    await embedder.embed(long);
    await embedder.embed(long);
    await embedder.embed(contentKey(long));
    expect(provider.batches.flat()).toEqual([long, contentKey(long)]);
    await embedder.close();
  });

  it('evicts the least recently used entry', async () => {
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider, { cacheSize: 2 });
    await embedder.embed('a');
    await embedder.embed('b');
    await embedder.embed('a'); // a is now most recent
    await embedder.embed('c'); // evicts b
    await embedder.embed('a');
    await embedder.embed('b');
    expect(provider.batches.flat()).toEqual(['a', 'b', 'c', 'b']);
    await embedder.close();
  });

  it('identical concurrent texts share one batch slot', async () => {
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider);
    await Promise.all([embedder.embed('same'), embedder.embed('same'), embedder.embed('other')]);
    expect(provider.batches.flat().sort()).toEqual(['other', 'same']);
    await embedder.close();
  });

  it('rejects a provider that returns vectors of the wrong size', async () => {
    const provider = new FakeProvider();
    provider.embed = async (texts) => texts.map(() => new Float32Array(3));
    const embedder = createEmbedderCore(provider);
    await expect(embedder.embed('x')).rejects.toThrow(/length 3 but declares 4/);
    await embedder.close();
  });

  it("flush 'microtask': a lone request reaches the provider before the next event-loop turn", async () => {
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider, { batchWindowMs: 0, flush: 'microtask' });
    await embedder.ready();
    const pending = embedder.embed('alone');
    const seenByImmediate = await new Promise<number>((resolve) =>
      setImmediate(() => resolve(provider.batches.length)),
    );
    expect(seenByImmediate).toBe(1);
    await pending;
    await embedder.close();
  });

  it("flush 'microtask' still coalesces one tick's requests; a full batch runs at once", async () => {
    const provider = new FakeProvider(4);
    const embedder = createEmbedderCore(provider, { batchWindowMs: 0, flush: 'microtask' });
    await embedder.ready();
    const texts = ['a', 'b', 'c', 'd', 'e', 'f'];
    const vectors = await Promise.all(texts.map((t) => embedder.embed(t)));
    expect(vectors).toHaveLength(6);
    expect(provider.batches).toEqual([
      ['a', 'b', 'c', 'd'],
      ['e', 'f'],
    ]);
    await embedder.close();
  });

  it("flush 'immediate' also groups requests made in later microtasks of the same turn", async () => {
    for (const flush of ['immediate', 'microtask'] as const) {
      const provider = new FakeProvider();
      const embedder = createEmbedderCore(provider, { batchWindowMs: 0, flush });
      await embedder.ready();
      const first = embedder.embed('first');
      const second = Promise.resolve().then(() => embedder.embed('second'));
      await Promise.all([first, second]);
      expect(provider.batches, flush).toEqual(
        flush === 'immediate' ? [['first', 'second']] : [['first'], ['second']],
      );
      await embedder.close();
    }
  });

  it('embedMany mixes cache hits and misses in order, shares duplicates and returns copies', async () => {
    const provider = new FakeProvider(64);
    const embedder = createEmbedderCore(provider, { cacheSize: 10 });
    await embedder.embed('cached one');
    const vectors = await embedder.embedMany(['x', 'cached one', 'yy', 'x', 'zzz']);
    expect(vectors.map((v) => v[0])).toEqual([1, 10, 2, 1, 3]);
    expect(provider.batches).toEqual([['cached one'], ['x', 'yy', 'zzz']]);
    (vectors[0] as Float32Array)[0] = 99;
    expect(vectors[3]?.[0]).toBe(1);
    expect((await embedder.embed('x'))[0]).toBe(1);
    await expect(embedder.embedMany(['ok', 3 as unknown as string])).rejects.toBeInstanceOf(EmbedderError);
    await embedder.close();
  });

  it('close() flushes pending work, disposes the provider and refuses later calls', async () => {
    const provider = new FakeProvider();
    const embedder = createEmbedderCore(provider, { batchWindowMs: 50 });
    const pending = [embedder.embed('one'), embedder.embed('two')];
    expect(embedder.stats().queueDepth).toBe(2);
    await embedder.close();
    const vectors = await Promise.all(pending);
    expect(vectors.map((v) => v[0])).toEqual([3, 3]);
    expect(provider.disposed).toBe(true);
    await expect(embedder.embed('late')).rejects.toBeInstanceOf(ClosedError);
    expect(MemoryError.isInstance(await embedder.ready().catch((e: unknown) => e))).toBe(true);
  });
});
