/**
 * Fixtures for the store conformance suite: deterministic memories, small unit vectors
 * and keyword query trees built directly (not through the parser), so a store failure is
 * never a parser failure in disguise. Ids are UUIDs because some engines (Qdrant) accept
 * nothing else.
 */
import { expect } from 'vitest';
import type { ModelInfo } from '../../src/stores/types.ts';
import type { QueryNode } from '../../src/text/query-ast.ts';
import type { LayerName, Memory } from '../../src/types.ts';
import { newId } from '../../src/util/ids.ts';

export const DIMS = 8;
export const MODEL_A: ModelInfo = { id: 'suite-model-a', dimensions: DIMS };
export const MODEL_B: ModelInfo = { id: 'suite-model-b', dimensions: DIMS };
export const ALICE = 'alice@example.com';
export const BOB = 'bob';

let sequence = 0;

export interface MemoryFields {
  id?: string;
  userId?: string;
  layer?: LayerName;
  content?: string;
  createdAt?: string;
  metadata?: Record<string, unknown>;
  supersededBy?: string | null;
  importance?: number;
}

/** A complete Memory; createdAt defaults to a distinct minute per call so order is known. */
export function memory(fields: MemoryFields = {}): Memory {
  sequence += 1;
  const createdAt = fields.createdAt ?? new Date(Date.UTC(2024, 0, 1, 0, sequence)).toISOString();
  return {
    id: fields.id ?? newId(Date.parse(createdAt)),
    userId: fields.userId ?? ALICE,
    layer: fields.layer ?? 'semantic',
    content: fields.content ?? `memory number ${sequence}`,
    createdAt,
    updatedAt: createdAt,
    importance: fields.importance ?? 0.5,
    strength: 1,
    accessCount: 0,
    lastAccessedAt: null,
    sources: [{ chatId: 'chat-1', messageId: `m${sequence}`, role: 'user', at: createdAt }],
    links: [],
    metadata: fields.metadata ?? {},
    version: 1,
    supersededBy: fields.supersededBy ?? null,
    embeddingModel: MODEL_A.id,
  };
}

/** A unit vector from up to DIMS leading components. */
export function vec(...values: number[]): Float32Array {
  const out = new Float32Array(DIMS);
  values.forEach((v, i) => {
    out[i] = v;
  });
  let norm = 0;
  for (const v of out) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < DIMS; i++) out[i] = out[i]! / norm;
  return out;
}

export const q = {
  term: (value: string): QueryNode => ({ type: 'term', value }),
  prefix: (value: string): QueryNode => ({ type: 'term', value, prefix: true }),
  fuzzy: (value: string, distance = 1): QueryNode => ({ type: 'term', value, fuzzy: distance }),
  phrase: (...terms: string[]): QueryNode => ({ type: 'phrase', terms }),
  and: (...children: QueryNode[]): QueryNode => ({ type: 'and', children }),
  or: (...children: QueryNode[]): QueryNode => ({ type: 'or', children }),
  not: (child: QueryNode): QueryNode => ({ type: 'not', child }),
};

export function kw(ast: QueryNode | null, raw = 'test query'): { raw: string; ast: QueryNode | null } {
  return { raw, ast };
}

/** Asserts a promise rejects with a MemoryError of the given code. */
export async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a MemoryError with code ${code}`).toBeInstanceOf(Error);
  expect((caught as { code?: string }).code).toBe(code);
  return caught as Error;
}

export function ids(results: Array<{ id: string }>): string[] {
  return results.map((r) => r.id);
}
