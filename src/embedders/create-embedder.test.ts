import { describe, expect, it } from 'vitest';
import { ConfigSchema, EmbedderConfigSchema } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { createEmbedder, createEmbeddingProvider } from './create-embedder.ts';

describe('createEmbedder', () => {
  it('builds every configured kind without loading anything', () => {
    const ids = (['static', 'use', 'hash'] as const).map(
      (kind) => createEmbeddingProvider(EmbedderConfigSchema.parse({ kind })).id,
    );
    expect(ids).toEqual(['strata-static-use-wink-228@1', 'use-lite-512@1', 'strata-hash-256@1']);
    expect(
      createEmbeddingProvider(EmbedderConfigSchema.parse({ kind: 'onnx', modelPath: '/m/bge-small-en-v1.5' }))
        .id,
    ).toBe('onnx-bge-small-en-v1.5-q8-cls@1'); // bge pools the CLS token (onnx/model-recipe.ts)
    expect(
      createEmbeddingProvider(
        EmbedderConfigSchema.parse({
          kind: 'openai',
          baseUrl: 'http://localhost:11434/v1',
          model: 'nomic-embed-text',
        }),
      ).id,
    ).toBe('openai-nomic-embed-text@1');
  });

  it('the default config gives the static embedder, unloaded until first use', async () => {
    const embedder = createEmbedder(ConfigSchema.parse({}));
    expect(embedder.loaded).toBe(false);
    await embedder.ready();
    expect(embedder.loaded).toBe(true);
    expect(embedder.stats()).toMatchObject({
      model: 'strata-static-use-wink-228@1',
      dimensions: 228,
      loadCount: 1,
    });
    await embedder.close();
  });

  it('keeps 1,000 table-lookup vectors unless configured', async () => {
    const texts = Array.from({ length: 1_001 }, (_, i) => `memory number ${i}`);
    const missesOnFirstAgain = async (cacheSize?: number) => {
      const embedder = createEmbedder({ embedder: EmbedderConfigSchema.parse({ kind: 'hash', cacheSize }) });
      await embedder.embedMany(texts);
      const before = embedder.stats().cacheMisses;
      await embedder.embed(texts[0]!);
      const missed = embedder.stats().cacheMisses - before;
      await embedder.close();
      return missed;
    };
    expect(await missesOnFirstAgain()).toBe(1); // evicted: 1,001 texts in 1,000 slots
    expect(await missesOnFirstAgain(2_000)).toBe(0);
  });

  it('incomplete remote config is a ConfigError naming the fields', () => {
    expect(() => createEmbeddingProvider(EmbedderConfigSchema.parse({ kind: 'openai' }))).toThrow(
      /embedder\.baseUrl.*embedder\.model/,
    );
    expect(() => createEmbeddingProvider(EmbedderConfigSchema.parse({ kind: 'onnx' }))).toThrow(ConfigError);
  });
});
