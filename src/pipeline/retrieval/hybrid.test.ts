import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigSchema, type StrataConfigInput } from '../../config/schema.ts';
import { createEmbedder } from '../../embedders/create-embedder.ts';
import type { EngineContext } from '../../layers/context.ts';
import { newMemory } from '../../records.ts';
import { InMemoryStore } from '../../stores/memory/memory-store.ts';
import { type SearchQuery, SearchQuerySchema } from '../../types.ts';
import { fixedClock } from '../../util/clock.ts';
import { silentLogger } from '../../util/logger.ts';
import { hybridSearch } from './hybrid.ts';

let ctx: EngineContext;

async function setup(config: StrataConfigInput = {}) {
  const full = ConfigSchema.parse({ embedder: { kind: 'hash' }, ...config });
  const embedder = createEmbedder(full);
  const store = new InMemoryStore();
  await store.open({ model: { id: embedder.id, dimensions: embedder.dimensions } });
  ctx = { config: full, store, embedder, clock: fixedClock('2024-06-10T12:00:00Z'), logger: silentLogger };
  const rows: Array<[string, string, string, string]> = [
    ['a1', 'alice', 'I love hiking in the Alps', '2024-06-09T10:00:00Z'],
    ['a2', 'alice', 'My sister lives in Lisbon', '2024-05-01T10:00:00Z'],
    ['a3', 'alice', 'Hiking boots need new laces', '2024-06-01T10:00:00Z'],
    ['b1', 'bob', 'I love hiking in the Alps too', '2024-06-09T10:00:00Z'],
  ];
  const vectors = await embedder.embedMany(rows.map((r) => r[2]));
  await store.insert(
    rows.map(([id, userId, content, createdAt], i) => ({
      memory: newMemory(
        { id, userId, layer: id === 'a3' ? 'episodic' : 'semantic', content, createdAt },
        createdAt,
        embedder.id,
      ),
      vector: vectors[i]!,
    })),
  );
}

const search = (query: SearchQuery) => hybridSearch(ctx, SearchQuerySchema.parse(query));

beforeEach(() => setup());
afterEach(async () => {
  await ctx.store.close();
  await ctx.embedder.close();
});

describe('hybridSearch', () => {
  it('fuses vector and keyword lists and reports both signals', async () => {
    await ctx.store.close();
    await setup({ scoring: { fusion: 'rrf', vectorWeight: 0.5 } });
    const results = await search({ userId: 'alice', query: 'hiking Alps' });
    expect(results[0]?.memory.id).toBe('a1');
    expect(results[0]?.signals).toMatchObject({ vectorRank: 1, keywordRank: 1 });
    const rrf = 0.5 / 61 + 0.5 / 61;
    expect(results[0]?.score).toBeCloseTo(rrf, 10);
    expect(results.every((r) => r.memory.userId === 'alice')).toBe(true);
  });

  it('returns raw scores in single-list modes', async () => {
    const vector = await search({ userId: 'alice', query: 'hiking Alps', mode: 'vector' });
    expect(vector[0]?.score).toBe(vector[0]?.signals?.vector);
    expect(vector[0]?.signals?.keyword).toBeUndefined();
    const keyword = await search({ userId: 'alice', query: 'Lisbon', mode: 'keyword' });
    expect(keyword.map((r) => r.memory.id)).toEqual(['a2']);
    expect(keyword[0]?.score).toBeGreaterThan(0);
  });

  it('applies k, layers and time filters', async () => {
    expect(await search({ userId: 'alice', query: 'hiking', k: 1 })).toHaveLength(1);
    const episodic = await search({ userId: 'alice', query: 'hiking', layers: ['episodic'] });
    expect(episodic.map((r) => r.memory.id)).toEqual(['a3']);
    const yesterday = await search({
      userId: 'alice',
      query: 'hiking',
      since: 'yesterday',
      until: 'yesterday',
    });
    expect(yesterday.map((r) => r.memory.id)).toEqual(['a1']);
    const may = await search({ userId: 'alice', query: 'sister hiking', since: 'in May', until: 'in May' });
    expect(may.map((r) => r.memory.id)).toEqual(['a2']);
  });

  it('uses normalized score fusion when configured', async () => {
    await ctx.store.close();
    await setup({ scoring: { fusion: 'score', vectorWeight: 1 } });
    const results = await search({ userId: 'alice', query: 'hiking Alps' });
    expect(results[0]?.score).toBeCloseTo(1, 10); // top vector hit, keyword weight 0
  });

  it('never returns another user memory even if the store misbehaves', async () => {
    const leaky = Object.create(ctx.store) as InMemoryStore;
    leaky.getMany = async () => [(await ctx.store.get('bob', 'b1'))!];
    leaky.vectorSearch = async () => [{ id: 'b1', score: 0.9 }];
    ctx = { ...ctx, store: leaky };
    expect(await search({ userId: 'alice', query: 'hiking' })).toEqual([]);
  });
});
