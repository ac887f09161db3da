import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
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
