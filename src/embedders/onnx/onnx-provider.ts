/**
 * Transformer sentence embedders (all-MiniLM-L6-v2, bge-small, multilingual-e5 ...) through
 * @huggingface/transformers' feature-extraction pipeline on onnxruntime-node: pooling as the
 * model was trained (mean, or CLS for bge; see model-recipe.ts), L2 normalization, the e5
 * input prefix, q8/fp16/fp32 weights. Loads from a local folder; the hub is used only when
 * allowRemoteModels is set, so nothing downloads by default.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, EmbedderError, ModelMissingError } from '../../errors.ts';
import { importOptional } from '../../util/optional-import.ts';
import type { EmbeddingProvider } from '../types.ts';
import { assertModelFiles, type OnnxDtype } from './model-files.ts';
import { type ModelRecipe, recipeFor } from './model-recipe.ts';

export interface OnnxProviderOptions {
  /** Local model folder (config.json, tokenizer files, onnx/model*.onnx). */
  modelPath?: string;
  /** Hub id, used for the folder name hint and when remote models are allowed. */
  model?: string;
  dtype?: OnnxDtype;
  allowRemoteModels?: boolean;
  dimensions?: number;
  maxBatchSize?: number;
  /** Overrides the detected pooling / input prefix (model-recipe.ts). */
  recipe?: Partial<ModelRecipe>;
}

type Extractor = (
  texts: string[],
  options: { pooling: ModelRecipe['pooling']; normalize: boolean },
) => Promise<{ data: ArrayLike<number>; dims: number[]; dispose?: () => void }>;

let loadChain: Promise<unknown> = Promise.resolve();

/** Runs one model load at a time in this process (see load()). */
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = loadChain.then(fn, fn);
  loadChain = run.catch(() => undefined);
  return run;
}

export class OnnxEmbeddingProvider implements EmbeddingProvider {
  readonly id: string;
  readonly maxBatchSize: number;
  readonly supportsParallelCalls = false;
  readonly #options: OnnxProviderOptions;
  readonly #dtype: OnnxDtype;
  readonly #recipe: ModelRecipe;
  #dims: number;
  #extractor: (Extractor & { dispose?: () => Promise<void> }) | null = null;

  constructor(options: OnnxProviderOptions) {
    if (options.modelPath === undefined && !(options.allowRemoteModels && options.model)) {
      throw new ConfigError(
        'embedder.kind "onnx" needs embedder.modelPath (a local model folder), or embedder.model with embedder.allowRemoteModels=true on a machine with internet.',
      );
    }
    this.#options = options;
    this.#dtype = options.dtype ?? 'q8';
    this.#dims = options.dimensions ?? 0;
    this.maxBatchSize = options.maxBatchSize ?? 32;
    const name =
      options.modelPath !== undefined ? path.basename(path.resolve(options.modelPath)) : options.model;
    this.#recipe = { ...recipeFor(options.modelPath, `${name} ${options.model ?? ''}`), ...options.recipe };
    // Vectors change with pooling and prefix, so a non-default recipe is part of the model id.
    const tags = [
      this.#recipe.pooling === 'mean' ? '' : `-${this.#recipe.pooling}`,
      this.#recipe.prefix === '' ? '' : '-prefixed',
    ].join('');
    this.id = `onnx-${String(name).replace(/[^A-Za-z0-9._-]+/g, '-')}-${this.#dtype}${tags}@1`;
  }

  get dimensions(): number {
    return this.#dims;
  }

  /** How texts are pooled and prefixed for this model. */
  get recipe(): Readonly<ModelRecipe> {
    return this.#recipe;
  }

  async load(): Promise<void> {
    const { modelPath, model } = this.#options;
    const transformers = await importOptional(
      '@huggingface/transformers',
      () => import('@huggingface/transformers'),
      (hint) => new ModelMissingError(`embedder.kind "onnx" needs the ONNX runtime. ${hint}`),
    );
    let modelId = model as string;
    if (modelPath !== undefined) {
      const dir = path.resolve(modelPath);
      assertModelFiles(dir, this.#dtype, model ?? 'Xenova/all-MiniLM-L6-v2');
      modelId = path.basename(dir);
      const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as {
        hidden_size?: number;
      };
      if (this.#dims === 0 && typeof config.hidden_size === 'number') this.#dims = config.hidden_size;
    }
    try {
      const extractor = await exclusive(() => {
        // transformers.js reads where to look from its global env while the pipeline loads,
        // so loads are serialized: two models in different folders once read each other's.
        const { env } = transformers;
        env.allowRemoteModels = this.#options.allowRemoteModels ?? false;
        if (modelPath !== undefined) {
          env.allowLocalModels = true;
          env.localModelPath = `${path.dirname(path.resolve(modelPath))}${path.sep}`;
        }
        return transformers.pipeline('feature-extraction', modelId, { dtype: this.#dtype, device: 'cpu' });
      });
      this.#extractor = extractor as unknown as Extractor & { dispose?: () => Promise<void> };
    } catch (error) {
      throw new EmbedderError(
        `Loading ONNX model ${modelId} (${this.#dtype}) failed: ${error instanceof Error ? error.message : String(error)}. Check that the folder holds a feature-extraction model exported for transformers.js.`,
        { cause: error },
      );
    }
    if (this.#dims === 0) {
      const [probe] = await this.embed(['dimension probe']);
      this.#dims = probe?.length ?? 0;
    }
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const extractor = this.#extractor;
    if (extractor === null) throw new EmbedderError('ONNX provider used before load()');
    const { prefix, pooling } = this.#recipe;
    const inputs = prefix === '' ? texts : texts.map((text) => prefix + text);
    const output = await extractor(inputs, { pooling, normalize: true });
    try {
      const width = output.dims[output.dims.length - 1] ?? 0;
      const data = output.data instanceof Float32Array ? output.data : Float32Array.from(output.data);
      return texts.map((_, i) => data.slice(i * width, (i + 1) * width));
    } finally {
      output.dispose?.(); // frees the runtime's tensor now instead of at garbage collection
    }
  }

  async dispose(): Promise<void> {
    await this.#extractor?.dispose?.();
    this.#extractor = null;
  }
}
