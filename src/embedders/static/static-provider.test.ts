import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../config/schema.ts';
import { ModelMissingError } from '../../errors.ts';
import { createEmbedder } from '../create-embedder.ts';
import { cosine } from '../vector-math.ts';
import { StaticEmbeddingProvider } from './static-provider.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('static (distilled USE) embedder — the default', () => {
  it('is the default kind and ranks "I love hiking in the Alps" first for "mountains"', async () => {
    const config = ConfigSchema.parse({});
    expect(config.embedder.kind).toBe('static');
    const embedder = createEmbedder(config);
    const memories = [
      'I love hiking in the Alps',
      'My tax return is due next week',
      'I had pasta for dinner yesterday',
      'The meeting with my boss went well',
      'I bought a new phone charger',
      'My sister lives in Toronto',
    ];
    const [query, ...vectors] = await embedder.embedMany(['mountains', ...memories]);
    const ranked = memories
      .map((m, i) => ({ m, s: cosine(query as Float32Array, vectors[i] as Float32Array) }))
      .sort((a, b) => b.s - a.s);
    expect(ranked[0]?.m).toBe('I love hiking in the Alps');
    expect(embedder.id).toBe('strata-static-use-wink-228@1');
    expect(embedder.dimensions).toBe(228);
    await embedder.close();
  });

  it('gives unit vectors, deterministic, and handles unknown words and empty text', async () => {
    const p = new StaticEmbeddingProvider();
    await p.load();
    const [a, b, unknown, empty] = await p.embed(['Hello there', 'Hello there', 'Zxqvbtrw Kplonmy', '']);
    expect(cosine(a as Float32Array, a as Float32Array)).toBeCloseTo(1, 4);
    expect(Array.from(a as Float32Array)).toEqual(Array.from(b as Float32Array));
    expect(Math.hypot(...(unknown as Float32Array))).toBeCloseTo(1, 4);
    expect((empty as Float32Array).every((x) => x === 0)).toBe(true);
  });

  it('scores a paraphrase above an unrelated sentence', async () => {
    const p = new StaticEmbeddingProvider();
    await p.load();
    const [a, para, other] = await p.embed([
      'I am allergic to peanuts',
      'Eating nuts gives me a severe allergic reaction',
      'The train to Hamburg leaves at noon',
    ]);
    expect(cosine(a as Float32Array, para as Float32Array)).toBeGreaterThan(
      cosine(a as Float32Array, other as Float32Array),
    );
  });

  it('a custom table reports its id and dimensions before load', async () => {
    const { DEFAULT_STATIC_MODEL } = await import('./static-provider.ts');
    const p = new StaticEmbeddingProvider({ modelPath: DEFAULT_STATIC_MODEL });
    expect(p.id).toBe('strata-static-use-wink-228@1');
    expect(p.dimensions).toBe(228);
  });

  it('a missing table gives ModelMissingError naming the path and how to get it', async () => {
    const missing = path.join(tmpdir(), 'strata-no-such-model.bin');
    const p = new StaticEmbeddingProvider({ modelPath: missing });
    const error = await p.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelMissingError);
    expect((error as Error).message).toContain(missing);
    expect((error as Error).message).toContain('distill-static');
  });

  it('a corrupt table is refused with a clear error', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-static-'));
    dirs.push(dir);
    const file = path.join(dir, 'bad.bin');
    writeFileSync(file, 'not a model at all');
    await expect(new StaticEmbeddingProvider({ modelPath: file }).load()).rejects.toThrow(
      /not a Strata static model/,
    );
  });
});
