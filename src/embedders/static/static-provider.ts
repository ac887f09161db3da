/**
 * The offline default embedder: a static table distilled from USE-lite, with a second part
 * of wink-embeddings word vectors (scripts/distill-static.ts → models/*.bin). A text's vector is the SIF-weighted mean of its
 * words' rows (weight a/(a+p(word)), so frequent function words count little), with unknown
 * words split into SentencePiece pieces; then unit length. No model runtime: loading is
 * reading one file of a few MB, and embedding is a few table lookups (microseconds).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelMissingError } from '../../errors.ts';
import { normalizeInPlace, words } from '../text/hashing.ts';
import type { EmbeddingProvider } from '../types.ts';
import { SentencePieceTokenizer } from '../use/sentencepiece.ts';
import { decodeStaticModel, peekStaticModelId, type StaticModel } from './model-file.ts';

export const DEFAULT_STATIC_MODEL = fileURLToPath(
  new URL('../../../models/strata-static-use-wink-228.bin', import.meta.url),
);
const DEFAULT_ID = 'strata-static-use-wink-228@1';
const DEFAULT_DIMS = 228;
/** SIF smoothing: higher keeps more weight on frequent words. */
const SIF_A = 1e-3;

export interface StaticProviderOptions {
  modelPath?: string;
  sifA?: number;
  /** Relative weight of each part of a multi-part table (default: the header's, else equal). */
  partWeights?: number[];
}

export class StaticEmbeddingProvider implements EmbeddingProvider {
  readonly maxBatchSize = 1024;
  readonly supportsParallelCalls = false;
  readonly #path: string;
  readonly #sifA: number;
  readonly #partWeights: number[] | undefined;
  #model: StaticModel | null = null;
  #weights: Float32Array = new Float32Array(0);
  #wordRows = new Map<string, number>();
  #tokenizer: SentencePieceTokenizer | null = null;
  #id: string;
  #dims: number;

  constructor(options: StaticProviderOptions = {}) {
    this.#path = path.resolve(options.modelPath ?? DEFAULT_STATIC_MODEL);
    this.#sifA = options.sifA ?? SIF_A;
    this.#partWeights = options.partWeights;
    // The id must be right before load(): stores may record it. A custom table's header says it.
    const peeked = options.modelPath === undefined ? null : peekStaticModelId(this.#path);
    this.#id =
      peeked?.id ??
      (options.modelPath === undefined ? DEFAULT_ID : `strata-static:${path.basename(this.#path)}`);
    this.#dims = peeked?.dimensions ?? (options.modelPath === undefined ? DEFAULT_DIMS : 0);
  }

  get id(): string {
    return this.#id;
  }

  get dimensions(): number {
    return this.#dims;
  }

  async load(): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.#path);
    } catch (error) {
      throw new ModelMissingError(
        `Static embedding table ${this.#path} is missing. It ships in the repository under models/; restore it with \`git checkout models/\` or regenerate it with \`npx tsx scripts/distill-static.ts --out ${this.#path}\`.`,
        { cause: error, details: { path: this.#path } },
      );
    }
    const model = decodeStaticModel(bytes, this.#path);
    this.#model = model;
    this.#id = model.header.id;
    this.#dims = model.header.dimensions;
    this.#wordRows = new Map(model.header.words.map((word, row) => [word, row]));
    this.#tokenizer = new SentencePieceTokenizer(model.header.pieces, model.header.unknownPieceId);
    this.#weights = new Float32Array(model.rows);
    for (let row = 0; row < model.rows; row++) {
      this.#weights[row] = this.#sifA / (this.#sifA + Math.exp(model.logFreq[row] as number));
    }
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): Float32Array {
    const model = this.#model;
    const tokenizer = this.#tokenizer;
    if (model === null || tokenizer === null) throw new Error('static provider used before load()');
    const out = new Float32Array(this.#dims);
    const wordCount = model.header.words.length;
    for (const word of words(text)) {
      const row = this.#wordRows.get(word);
      if (row !== undefined) {
        this.#addRow(out, row, this.#weights[row] as number);
        continue;
      }
      // Unknown word (a name, a typo, a rare term): its pieces share the weight of one rare word.
      const ids = tokenizer.encode(word).filter((id) => id !== tokenizer.unknownId);
      for (const id of ids) this.#addRow(out, wordCount + id, 1 / ids.length);
    }
    // Multi-part tables (e.g. USE view + word-vector view): each part is normalized on its
    // own so neither dominates, then the whole vector is made unit length.
    const parts = model.header.parts;
    if (parts !== undefined && parts.length > 1) {
      const weights = this.#partWeights ?? model.header.partWeights;
      let offset = 0;
      parts.forEach((size, i) => {
        const part = normalizeInPlace(out.subarray(offset, offset + size));
        const w = weights?.[i] ?? 1;
        if (w !== 1) for (let j = 0; j < part.length; j++) part[j] = (part[j] as number) * w;
        offset += size;
      });
    }
    return normalizeInPlace(out);
  }

  #addRow(out: Float32Array, row: number, weight: number): void {
    const model = this.#model as StaticModel;
    const dims = this.#dims;
    const scale = (model.scales[row] as number) * weight;
    const offset = row * dims;
    const data = model.data;
    for (let i = 0; i < dims; i++) out[i] = (out[i] as number) + (data[offset + i] as number) * scale;
  }

  async dispose(): Promise<void> {
    this.#model = null;
    this.#wordRows = new Map();
  }
}
