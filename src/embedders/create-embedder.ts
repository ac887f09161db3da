/**
 * Embedder factory: config → provider → Embedder (the provider wrapped in the shared core
 * for batching, caching and single-flight loading). Provider modules keep heavy imports
 * (tfjs, onnxruntime) inside load(), so building an embedder is instant and nothing is
 * loaded until the first embed.
 */
import type { EmbedderConfig, StrataConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { createEmbedderCore } from './core.ts';
import { HashEmbeddingProvider } from './hash/hash-provider.ts';
import { OnnxEmbeddingProvider } from './onnx/onnx-provider.ts';
import { OpenAiEmbeddingProvider } from './openai/openai-provider.ts';
import { StaticEmbeddingProvider } from './static/static-provider.ts';
import type { Embedder, EmbeddingProvider } from './types.ts';
import { UseEmbeddingProvider } from './use/use-provider.ts';

export function createEmbeddingProvider(config: EmbedderConfig): EmbeddingProvider {
  switch (config.kind) {
    case 'hash':
      return new HashEmbeddingProvider(
        config.dimensions === undefined ? {} : { dimensions: config.dimensions },
      );
    case 'static':
      return new StaticEmbeddingProvider(
        config.modelPath === undefined ? {} : { modelPath: config.modelPath },
      );
    case 'use':
      return new UseEmbeddingProvider({
        maxBatchSize: config.batchSize,
        ...(config.modelPath === undefined ? {} : { modelDir: config.modelPath }),
      });
    case 'onnx':
      return new OnnxEmbeddingProvider({
        dtype: config.quantization,
        allowRemoteModels: config.allowRemoteModels,
        maxBatchSize: config.batchSize,
        ...(config.modelPath === undefined ? {} : { modelPath: config.modelPath }),
        ...(config.model === undefined ? {} : { model: config.model }),
        ...(config.dimensions === undefined ? {} : { dimensions: config.dimensions }),
      });
    case 'openai':
      if (config.baseUrl === undefined || config.model === undefined) {
        throw new ConfigError(
          'embedder.kind "openai" needs embedder.baseUrl (e.g. http://localhost:11434/v1) and embedder.model (e.g. nomic-embed-text).',
        );
      }
      return new OpenAiEmbeddingProvider({
        baseUrl: config.baseUrl,
        model: config.model,
        timeoutMs: config.timeoutMs,
        maxBatchSize: config.batchSize,
        ...(config.apiKey === undefined ? {} : { apiKey: config.apiKey }),
        ...(config.dimensions === undefined ? {} : { dimensions: config.dimensions }),
      });
    default: {
      const kind: never = config.kind;
      throw new ConfigError(
        `Unknown embedder.kind "${String(kind)}"; use static (default), use, onnx, openai or hash.`,
      );
    }
  }
}

export function createEmbedder(config: StrataConfig | { embedder: EmbedderConfig }): Embedder {
  const embedderConfig = config.embedder;
  const kind = embedderConfig.kind;
  return createEmbedderCore(createEmbeddingProvider(embedderConfig), {
    maxBatchSize: embedderConfig.batchSize,
    cacheSize: embedderConfig.cacheSize ?? defaultCacheSize(kind),
    ...flushPolicy(kind, embedderConfig.batchWindowMs),
  });
}

/**
 * The embedding cache's size when not configured. A static or hash vector is a table lookup
 * (~0.1–0.2 ms for a sentence uncached against ~0.01 ms cached), so a small cache keeps the
 * repeats within and between turns without holding ~9 MB of vectors for 10,000 texts; a
 * model's call costs milliseconds, so it keeps 10,000.
 */
function defaultCacheSize(kind: EmbedderConfig['kind']): number {
  return kind === 'static' || kind === 'hash' ? 1_000 : 10_000;
}

/**
 * When queued requests run. The in-process providers run one call at a time, and requests
 * that arrive while a call runs form the next batch anyway, so waiting for company would
 * only add latency to a lone request: table lookups (static, hash) flush right after the
 * current synchronous code, where one Promise.all's requests still share a batch; USE-lite,
 * whose call costs milliseconds, flushes after pending I/O callbacks, so requests parsed in
 * one event-loop turn share its call. The others wait batchWindowMs (the configured window).
 */
function flushPolicy(
  kind: EmbedderConfig['kind'],
  windowMs: number,
): { batchWindowMs: number; flush?: 'microtask' | 'immediate' } {
  if (kind === 'static' || kind === 'hash') return { batchWindowMs: 0, flush: 'microtask' };
  if (kind === 'use') return { batchWindowMs: 0, flush: 'immediate' };
  return { batchWindowMs: windowMs };
}
