/**
 * How a sentence-transformer model must be used to give the vectors it was trained for:
 * its pooling (mean of token vectors, or the CLS token) and the input prefix some families
 * require. A sentence-transformers folder says its pooling in 1_Pooling/config.json; the
 * transformers.js exports usually leave that file out, so well-known families are
 * recognized by name: bge (BAAI) pools the CLS token; e5 (intfloat) expects "query: " or
 * "passage: " before every text, and since memories and the questions that recall them are
 * embedded alike, Strata uses the symmetric form ("query: " on both sides, as the e5 card
 * recommends for similarity). Everything else (MiniLM, mpnet, gte ...) is mean pooled as is.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface ModelRecipe {
  pooling: 'mean' | 'cls';
  /** Prepended to every text before tokenizing ('' for none). */
  prefix: string;
}

export function recipeFor(modelPath: string | undefined, name: string): ModelRecipe {
  const lower = name.toLowerCase();
  const prefix = /(^|[^a-z0-9])e5($|[^a-z0-9])/.test(lower) ? 'query: ' : '';
  const declared = modelPath === undefined ? null : declaredPooling(modelPath);
  const pooling = declared ?? (/(^|[^a-z0-9])bge($|[^a-z0-9])/.test(lower) ? 'cls' : 'mean');
  return { pooling, prefix };
}

/** Pooling from a sentence-transformers 1_Pooling/config.json, when the folder has one. */
function declaredPooling(modelPath: string): ModelRecipe['pooling'] | null {
  const file = path.join(modelPath, '1_Pooling', 'config.json');
  if (!existsSync(file)) return null;
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (config.pooling_mode_cls_token === true) return 'cls';
    if (config.pooling_mode_mean_tokens === true) return 'mean';
  } catch {
    // An unreadable pooling file falls back to the name rules.
  }
  return null;
}
