/**
 * Transformer sentence embedders (all-MiniLM-L6-v2, bge-small, multilingual-e5 ...) through
 * @huggingface/transformers' feature-extraction pipeline on onnxruntime-node: mean pooling
 * and L2 normalization, q8/fp16/fp32 weights. Loads from a local folder; the hub is used only
 * when allowRemoteModels is set, so nothing downloads by default.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, EmbedderError } from '../../errors.ts';
import type { EmbeddingProvider } from '../types.ts';
import { assertModelFiles, type OnnxDtype } from './model-files.ts';

export interface OnnxProviderOptions {
  /** Local model folder (config.json, tokenizer files, onnx/model*.onnx). */
  modelPath?: string;
  /** Hub id, used for the folder name hint and when remote models are allowed. */
  model?: string;
  dtype?: OnnxDtype;
  allowRemoteModels?: boolean;
  dimensions?: number;
  maxBatchSize?: number;
}

type Extractor = (
  texts: string[],
  options: { pooling: 'mean'; normalize: boolean },
) => Promise<{ data: ArrayLike<number>; dims: number[] }>;

export class OnnxEmbeddingProvider implements EmbeddingProvider {
  readonly id: string;
  readonly maxBatchSize: number;
  readonly supportsParallelCalls = false;
  readonly #options: OnnxProviderOptions;
  readonly #dtype: OnnxDtype;
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
    this.id = `onnx-${String(name).replace(/[^A-Za-z0-9._-]+/g, '-')}-${this.#dtype}@1`;
  }

  get dimensions(): number {
    return this.#dims;
  }

  async load(): Promise<void> {
    const { modelPath, model, allowRemoteModels = false } = this.#options;
    const transformers = await import('@huggingface/transformers');
    const { env } = transformers;
    env.allowRemoteModels = allowRemoteModels;
    let modelId: string;
    if (modelPath !== undefined) {
      const dir = path.resolve(modelPath);
      assertModelFiles(dir, this.#dtype, model ?? 'Xenova/all-MiniLM-L6-v2');
      env.allowLocalModels = true;
      env.localModelPath = `${path.dirname(dir)}${path.sep}`;
      modelId = path.basename(dir);
      const config = JSON.parse(await readFile(path.join(dir, 'config.json'), 'utf8')) as {
        hidden_size?: number;
      };
      if (this.#dims === 0 && typeof config.hidden_size === 'number') this.#dims = config.hidden_size;
    } else {
      modelId = model as string;
    }
    try {
      const extractor = await transformers.pipeline('feature-extraction', modelId, {
        dtype: this.#dtype,
        device: 'cpu',
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
    const output = await extractor(texts, { pooling: 'mean', normalize: true });
    const width = output.dims[output.dims.length - 1] ?? 0;
    const data = Float32Array.from(output.data);
    return texts.map((_, i) => data.slice(i * width, (i + 1) * width));
  }

  async dispose(): Promise<void> {
    await this.#extractor?.dispose?.();
    this.#extractor = null;
  }
}
