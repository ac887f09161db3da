import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { normalizeInPlace, words } from '../text/hashing.ts';
import { SentencePieceTokenizer } from '../use/sentencepiece.ts';
import { decodeStaticModel, type StaticModel } from './model-file.ts';
import { DEFAULT_STATIC_MODEL, StaticEmbeddingProvider } from './static-provider.ts';

/**
 * The static embedder as first written (one row at a time, a fresh tokenizer split for every
 * unknown word): the optimized provider must reproduce it bit for bit, or stored vectors
 * would drift from new ones without the model id changing.
 */
function referenceEmbedder(model: StaticModel): (text: string) => Float32Array {
  const { header, scales, data, logFreq } = model;
  const dims = header.dimensions;
  const wordRows = new Map(header.words.map((word, row) => [word, row]));
  const tokenizer = new SentencePieceTokenizer(header.pieces, header.unknownPieceId);
  const weights = new Float32Array(model.rows);
  for (let row = 0; row < model.rows; row++) weights[row] = 1e-3 / (1e-3 + Math.exp(logFreq[row] as number));
  const addRow = (out: Float32Array, row: number, weight: number): void => {
    const scale = (scales[row] as number) * weight;
    for (let i = 0; i < dims; i++) out[i] = (out[i] as number) + (data[row * dims + i] as number) * scale;
  };
  return (text) => {
    const out = new Float32Array(dims);
    for (const word of words(text)) {
      const row = wordRows.get(word);
      if (row !== undefined) {
        addRow(out, row, weights[row] as number);
        continue;
      }
      const ids = tokenizer.encode(word).filter((id) => id !== tokenizer.unknownId);
      for (const id of ids) addRow(out, header.words.length + id, 1 / ids.length);
    }
    let offset = 0;
    for (const [i, size] of (header.parts ?? []).entries()) {
      if ((header.parts ?? []).length < 2) break;
      const part = normalizeInPlace(out.subarray(offset, offset + size));
      const w = header.partWeights?.[i] ?? 1;
      if (w !== 1) for (let j = 0; j < part.length; j++) part[j] = (part[j] as number) * w;
      offset += size;
    }
    return normalizeInPlace(out);
  };
}

const TEXTS = [
  'I love hiking in the Alps',
  'My daughter turns 2 next Friday; we are planning a party. (note 2, Amara relieved)',
  'Zxqvbtrw Kplonmy met Priya in Osaka on 2024-03-17 at 7pm',
  "It's   ÄÖÜ straße café naïve 東京 😀 y'all don't",
  'the the the the the',
  'a',
  '',
  '!!! ??? ...',
  `${'supercalifragilistic '.repeat(40)}end`,
  'Kplonmy Kplonmy Zxqvbtrw', // unknown words again: now answered from the memo
];

describe('static embedder: optimized paths equal the original arithmetic', () => {
  let provider: StaticEmbeddingProvider;
  let reference: (text: string) => Float32Array;
  beforeAll(async () => {
    provider = new StaticEmbeddingProvider();
    await provider.load();
    reference = referenceEmbedder(
      decodeStaticModel(readFileSync(DEFAULT_STATIC_MODEL), DEFAULT_STATIC_MODEL),
    );
  });

  it('embedOne is bit-identical to the reference for every text', () => {
    for (const text of TEXTS)
      expect(Array.from(provider.embedOne(text)), text).toEqual(Array.from(reference(text)));
  });

  it('the batch path equals the single path, in order, one view per text', async () => {
    const batch = await provider.embed(TEXTS);
    expect(batch).toHaveLength(TEXTS.length);
    TEXTS.forEach((text, i) => {
      expect(Array.from(batch[i] as Float32Array), text).toEqual(Array.from(provider.embedOne(text)));
    });
    expect(batch.every((v) => v.length === provider.dimensions)).toBe(true);
  });

  it('a long text after short ones (scratch growth) still matches', () => {
    const long = Array.from({ length: 300 }, (_, i) => `word${i} Osaka`).join(' ');
    expect(Array.from(provider.embedOne(long))).toEqual(Array.from(reference(long)));
    expect(Array.from(provider.embedOne(TEXTS[0] as string))).toEqual(
      Array.from(reference(TEXTS[0] as string)),
    );
  });
});
