/**
 * Embedder factory: config → Embedder (provider wrapped in the shared core).
 * (Stub until the embedder work lands.)
 */
import type { StrataConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import type { Embedder } from './types.ts';

export function createEmbedder(config: StrataConfig): Embedder {
  throw new ConfigError(`Embedder kind "${config.embedder.kind}" is not implemented yet.`);
}
