import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeTinyBert } from '../../../test-support/fixtures/tiny-bert.ts';
import { EmbedderConfigSchema } from '../../config/schema.ts';
import { ConfigError, ModelMissingError } from '../../errors.ts';
import { createEmbedder } from '../create-embedder.ts';
import { cosine } from '../vector-math.ts';
import { OnnxEmbeddingProvider } from './onnx-provider.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('onnx embedder: configuration and missing models', () => {
  it('needs a model path unless remote models are allowed', () => {
    expect(() => new OnnxEmbeddingProvider({})).toThrow(ConfigError);
  });

  it('a folder without the model files gives ModelMissingError with the exact files and a download command', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-onnx-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'config.json'), '{}');
    const provider = new OnnxEmbeddingProvider({ modelPath: dir, dtype: 'q8' });
    expect(provider.id).toBe(`onnx-${path.basename(dir)}-q8@1`);
    const error = await provider.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelMissingError);
    const message = (error as Error).message;
    expect(message).toContain(dir);
    expect(message).toContain('onnx/model_quantized.onnx');
    expect(message).toContain('tokenizer.json');
    expect(message).not.toContain('missing config.json');
    expect(message).toContain('huggingface-cli download');
  });

  it('is built from config kind "onnx"', async () => {
    const embedder = createEmbedder({
      embedder: EmbedderConfigSchema.parse({
        kind: 'onnx',
        modelPath: '/nonexistent/all-MiniLM-L6-v2',
        quantization: 'fp16',
      }),
    });
    expect(embedder.id).toBe('onnx-all-MiniLM-L6-v2-fp16@1');
    await expect(embedder.embed('x')).rejects.toThrow(/model_fp16\.onnx/);
    await embedder.close();
  });
});

function tinyModel(name: string, options: Parameters<typeof writeTinyBert>[1] = {}): string {
  const root = mkdtempSync(path.join(tmpdir(), 'strata-onnx-'));
  dirs.push(root);
  const dir = path.join(root, name);
  writeTinyBert(dir, options);
  return dir;
}

const dot = (a: Float32Array | undefined, b: Float32Array | undefined) =>
  cosine(a as Float32Array, b as Float32Array);

// The real path (transformers.js loading a local folder, onnxruntime-node, pooling) on a
// tiny generated BERT-shaped model, so it runs in every test run without downloaded weights.
describe('onnx embedder on a generated tiny model (real transformers.js + onnxruntime-node)', () => {
  it('loads from the folder, reads dims from config, normalizes, ignores padding in a batch', async () => {
    const provider = new OnnxEmbeddingProvider({ modelPath: tinyModel('tiny-minilm'), dtype: 'q8' });
    expect(provider.id).toBe('onnx-tiny-minilm-q8@1');
    expect(provider.recipe).toEqual({ pooling: 'mean', prefix: '' });
    await provider.load();
    expect(provider.dimensions).toBe(16);
    const [q, hit, miss] = await provider.embed([
      'mountains',
      'I love hiking in the Alps',
      'My tax return is due next week',
    ]);
    expect(Math.hypot(...(hit as Float32Array))).toBeCloseTo(1, 5);
    expect(dot(q, hit)).toBeGreaterThan(dot(q, miss) + 0.3);
    const [alone] = await provider.embed(['mountains']);
    expect(dot(alone, q)).toBeCloseTo(1, 5); // the padded batch gives the same vector
    await provider.dispose();
  }, 30_000);

  it('pools the CLS token when 1_Pooling/config.json says so, or for bge by name, with its own id', async () => {
    const mean = new OnnxEmbeddingProvider({ modelPath: tinyModel('tiny-a') });
    const declared = new OnnxEmbeddingProvider({ modelPath: tinyModel('tiny-b', { pooling: 'cls' }) });
    const named = new OnnxEmbeddingProvider({ modelPath: tinyModel('tiny-bge-small') });
    expect(declared.id).toBe('onnx-tiny-b-q8-cls@1');
    expect(named.recipe.pooling).toBe('cls');
    await Promise.all([mean.load(), declared.load(), named.load()]);
    const text = ['I love hiking in the Alps'];
    const [m] = await mean.embed(text);
    const [c] = await declared.embed(text);
    const [n] = await named.embed(text);
    expect(dot(c, n)).toBeCloseTo(1, 5);
    expect(dot(m, c)).toBeLessThan(0.99);
    await Promise.all([mean.dispose(), declared.dispose(), named.dispose()]);
  }, 30_000);

  it('prefixes e5 inputs with "query: " on both sides', async () => {
    const e5 = new OnnxEmbeddingProvider({ modelPath: tinyModel('multilingual-e5-small') });
    const plain = new OnnxEmbeddingProvider({ modelPath: tinyModel('plain') });
    expect(e5.id).toBe('onnx-multilingual-e5-small-q8-prefixed@1');
    await Promise.all([e5.load(), plain.load()]);
    const [prefixed] = await e5.embed(['tea with lemon']);
    const [byHand] = await plain.embed(['query: tea with lemon']);
    const [unprefixed] = await plain.embed(['tea with lemon']);
    expect(dot(prefixed, byHand)).toBeCloseTo(1, 5);
    expect(dot(prefixed, unprefixed)).toBeLessThan(0.999);
    await Promise.all([e5.dispose(), plain.dispose()]);
  }, 30_000);

  it('serves the engine through the core (batched queue) from config kind "onnx"', async () => {
    const embedder = createEmbedder({
      embedder: EmbedderConfigSchema.parse({ kind: 'onnx', modelPath: tinyModel('tiny-core') }),
    });
    const texts = ['coffee', 'tea with milk', 'my dog', 'a puppy at the vet'];
    const many = await embedder.embedMany(texts);
    const one = await Promise.all(texts.map((t) => embedder.embed(t)));
    many.forEach((v, i) => {
      expect(dot(v, one[i])).toBeCloseTo(1, 5);
    });
    expect(dot(many[2], many[3])).toBeGreaterThan(dot(many[2], many[0]));
    await embedder.close();
  }, 30_000);
});

const modelDir = process.env.STRATA_TEST_ONNX_MODEL_DIR;
describe.skipIf(!modelDir)(
  'onnx embedder with a real model (set STRATA_TEST_ONNX_MODEL_DIR to a local model folder)',
  () => {
    it('embeds to unit vectors and ranks a semantic match first', async () => {
      const embedder = createEmbedder({
        embedder: EmbedderConfigSchema.parse({
          kind: 'onnx',
          modelPath: modelDir,
          quantization: (process.env.STRATA_TEST_ONNX_DTYPE as 'q8' | 'fp16' | 'fp32' | undefined) ?? 'q8',
        }),
      });
      const [q, hit, miss] = await embedder.embedMany([
        'mountains',
        'I love hiking in the Alps',
        'My tax return is due next week',
      ]);
      expect(embedder.dimensions).toBeGreaterThan(0);
      expect(Math.hypot(...(hit as Float32Array))).toBeCloseTo(1, 3);
      expect(cosine(q as Float32Array, hit as Float32Array)).toBeGreaterThan(
        cosine(q as Float32Array, miss as Float32Array),
      );
      await embedder.close();
    }, 60_000);
  },
);
