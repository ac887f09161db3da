import { describe, expect, it } from 'vitest';
import { EmbedderConfigSchema } from '../../config/schema.ts';
import { createEmbedder } from '../create-embedder.ts';
import { cosine } from '../vector-math.ts';
import { HashEmbeddingProvider } from './hash-provider.ts';

describe('hash embedder', () => {
  it('is deterministic and unit length', () => {
    const a = new HashEmbeddingProvider().embedOne('The quick brown fox');
    const b = new HashEmbeddingProvider().embedOne('The quick brown fox');
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(cosine(a, a)).toBeCloseTo(1, 5);
    expect(a.length).toBe(256);
  });

  it('scores word overlap above unrelated text', () => {
    const p = new HashEmbeddingProvider({ dimensions: 128 });
    const q = p.embedOne('coffee in the morning');
    expect(cosine(q, p.embedOne('I drink coffee every morning'))).toBeGreaterThan(
      cosine(q, p.embedOne('the tax return is due in April')),
    );
  });

  it('empty text gives a zero vector instead of NaN', () => {
    const v = new HashEmbeddingProvider().embedOne('  ');
    expect(v.every((x) => x === 0)).toBe(true);
  });

  it('rejects silly dimensions', () => {
    expect(() => new HashEmbeddingProvider({ dimensions: 3 })).toThrow(/8\.\.8192/);
  });

  it('is built from config kind "hash" with an id naming dims and version', async () => {
    const embedder = createEmbedder({
      embedder: EmbedderConfigSchema.parse({ kind: 'hash', dimensions: 64 }),
    });
    expect(embedder.id).toBe('strata-hash-64@1');
    const [v] = await embedder.embedMany(['hello']);
    expect(v?.length).toBe(64);
    await embedder.close();
  });
});
