/**
 * Client for any OpenAI-compatible /v1/embeddings server (OpenAI, Ollama, vLLM, LM Studio):
 * one POST per batch (the core splits by maxBatchSize and may run batches in parallel),
 * a per-request timeout, retries with backoff on 429/5xx/network errors through the one
 * retry helper, zod validation of the reply, and unit-length vectors. Dimensions come from
 * the config or from the first reply.
 */
import { z } from 'zod';
import { ConfigError, EmbedderError, type MemoryError, UpstreamError } from '../../errors.ts';
import { type RetryOptions, withRetry } from '../../util/retry.ts';
import { normalizeInPlace } from '../text/hashing.ts';
import type { EmbeddingProvider } from '../types.ts';

export interface OpenAiProviderOptions {
  /** e.g. https://api.openai.com/v1 or http://localhost:11434/v1 */
  baseUrl: string;
  model: string;
  apiKey?: string;
  dimensions?: number;
  timeoutMs?: number;
  maxBatchSize?: number;
  retry?: RetryOptions;
  fetch?: typeof fetch;
}

const ResponseSchema = z.object({
  data: z
    .array(z.object({ embedding: z.array(z.number()), index: z.number().int().min(0).optional() }))
    .min(1),
});

export class OpenAiEmbeddingProvider implements EmbeddingProvider {
  readonly id: string;
  readonly maxBatchSize: number;
  readonly supportsParallelCalls = true;
  readonly #options: OpenAiProviderOptions;
  readonly #url: string;
  #dims: number;

  constructor(options: OpenAiProviderOptions) {
    if (!options.model)
      throw new ConfigError('embedder.kind "openai" needs embedder.model (e.g. "nomic-embed-text").');
    this.#options = options;
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
    this.#dims = options.dimensions ?? 0;
    this.maxBatchSize = options.maxBatchSize ?? 64;
    const safeModel = options.model.replace(/[^A-Za-z0-9._:-]+/g, '-');
    this.id = `openai-${safeModel}${options.dimensions ? `-${options.dimensions}` : ''}@1`;
  }

  get dimensions(): number {
    return this.#dims;
  }

  /** Remote: nothing to load, but unknown dimensions are learned with one probe request. */
  async load(): Promise<void> {
    if (this.#dims === 0) await this.embed(['dimension probe']);
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const vectors = await withRetry(() => this.#request(texts), { retries: 3, ...this.#options.retry });
    if (this.#dims === 0) this.#dims = vectors[0]?.length ?? 0;
    for (const v of vectors) {
      if (v.length !== this.#dims) {
        throw new EmbedderError(
          `${this.#url} returned ${v.length}-dimensional vectors for model ${this.#options.model}, expected ${this.#dims}; set embedder.dimensions to the model's size.`,
        );
      }
    }
    return vectors;
  }

  async #request(texts: string[]): Promise<Float32Array[]> {
    const { apiKey, model, timeoutMs = 30_000 } = this.#options;
    const doFetch = this.#options.fetch ?? fetch;
    let response: Response;
    try {
      response = await doFetch(this.#url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
        },
        body: JSON.stringify({ model, input: texts, encoding_format: 'float' }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      throw new UpstreamError(
        timedOut
          ? `Embedding request to ${this.#url} timed out after ${timeoutMs} ms; raise embedder.timeoutMs or check the server load.`
          : `Embedding server ${this.#url} is unreachable (${error instanceof Error ? error.message : String(error)}); check embedder.baseUrl and that the server is running.`,
        0,
        { retryable: true, cause: error },
      );
    }
    const body = await response.text();
    if (!response.ok) throw this.#httpError(response.status, body);
    let parsed: z.infer<typeof ResponseSchema>;
    try {
      parsed = ResponseSchema.parse(JSON.parse(body));
    } catch (error) {
      throw new EmbedderError(
        `Embedding server ${this.#url} sent a reply that is not an OpenAI embeddings response: ${body.slice(0, 200)}`,
        { cause: error },
      );
    }
    if (parsed.data.length !== texts.length) {
      throw new EmbedderError(
        `Embedding server ${this.#url} returned ${parsed.data.length} vectors for ${texts.length} inputs.`,
      );
    }
    const ordered = parsed.data
      .map((item, i) => ({ ...item, index: item.index ?? i }))
      .sort((a, b) => a.index - b.index);
    return ordered.map((item) => normalizeInPlace(Float32Array.from(item.embedding)));
  }

  #httpError(status: number, body: string): MemoryError {
    const detail = body.slice(0, 300);
    const hint =
      status === 401 || status === 403
        ? 'check embedder.apiKey'
        : status === 404
          ? `check embedder.baseUrl (it should end in /v1) and that model "${this.#options.model}" exists on the server (Ollama: \`ollama pull ${this.#options.model}\`)`
          : status === 429
            ? 'the server is rate limiting; lower the request rate or batch size'
            : status >= 500
              ? 'the embedding server failed; check its logs'
              : 'check the request settings (model, dimensions)';
    return new UpstreamError(
      `Embedding server ${this.#url} answered ${status}: ${detail} — ${hint}.`,
      status,
    );
  }
}
