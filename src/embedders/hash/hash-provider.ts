/**
 * Deterministic feature-hashing embedder: every word and every character trigram of a
 * padded word is hashed (with a sign bit) into N dimensions, and the sum is scaled to unit
 * length. No model, no load time, identical output everywhere; it captures surface overlap
 * only (no synonyms), which is what tests of other modules need: fast and predictable.
 */
import { ValidationError } from '../../errors.ts';
import { fnv1a, normalizeInPlace, STOP_WORDS, words } from '../text/hashing.ts';
import type { EmbeddingProvider } from '../types.ts';

export interface HashProviderOptions {
  dimensions?: number;
  /** Weight of each character trigram relative to a whole word (1). */
  ngramWeight?: number;
}

export class HashEmbeddingProvider implements EmbeddingProvider {
  readonly id: string;
  readonly dimensions: number;
  readonly maxBatchSize = 1024;
  readonly supportsParallelCalls = false;
  readonly #ngramWeight: number;

  constructor(options: HashProviderOptions = {}) {
    const dims = options.dimensions ?? 256;
    if (!Number.isInteger(dims) || dims < 8 || dims > 8192) {
      throw new ValidationError(`Hash embedder dimensions must be an integer in 8..8192, got ${dims}.`);
    }
    this.dimensions = dims;
    this.#ngramWeight = options.ngramWeight ?? 0.35;
    this.id = `strata-hash-${dims}@1`;
  }

  async load(): Promise<void> {}

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const word of words(text)) {
      // Function words would otherwise dominate short texts and make unrelated ones look alike.
      const weight = STOP_WORDS.has(word) ? 0.1 : 1;
      this.#add(vector, `w:${word}`, weight);
      const padded = `#${word}#`;
      for (let i = 0; i + 3 <= padded.length; i++) {
        this.#add(vector, `c:${padded.slice(i, i + 3)}`, this.#ngramWeight * weight);
      }
    }
    return normalizeInPlace(vector);
  }

  #add(vector: Float32Array, feature: string, weight: number): void {
    const h = fnv1a(feature);
    const index = h % this.dimensions;
    const sign = (h & 0x80000000) === 0 ? 1 : -1;
    vector[index] = (vector[index] as number) + sign * weight;
  }
}
