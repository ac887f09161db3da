/**
 * Small record helpers every store shares: deep copies (stores never hand out objects the
 * caller could mutate behind their back), byte accounting for stats/quotas, model checks.
 */
import { ModelMismatchError, ValidationError } from '../../errors.ts';
import type { Memory, MemoryVersion, VersionOp } from '../../types.ts';
import type { ModelInfo, StoredRecord, UpdateChange } from '../types.ts';

export function cloneMemory(memory: Memory): Memory {
  return structuredClone(memory);
}

export function cloneVersion(version: MemoryVersion): MemoryVersion {
  return structuredClone(version);
}

/** The history entry a write of `memory` by `op` records (the memory as written, not a copy). */
export function versionOf(memory: Memory, op: VersionOp): MemoryVersion {
  return { memoryId: memory.id, version: memory.version, op, at: memory.updatedAt, memory };
}

/** Bytes a memory counts for in stats and quotas: UTF-8 content plus serialized metadata. */
export function memoryBytes(memory: Memory): number {
  return (
    Buffer.byteLength(memory.content, 'utf8') + Buffer.byteLength(JSON.stringify(memory.metadata), 'utf8')
  );
}

export function modelMismatch(stored: ModelInfo, requested: ModelInfo, location: string): ModelMismatchError {
  return new ModelMismatchError(
    `The store at ${location} holds vectors from model "${stored.id}" (${stored.dimensions} dimensions), ` +
      `but this instance is configured with "${requested.id}" (${requested.dimensions} dimensions). ` +
      'Run `bin/strata reembed` to re-embed every memory with the new model, or configure the old model again.',
    { details: { storedModel: stored, requestedModel: requested } },
  );
}

export function checkVector(
  vector: Float32Array | null | undefined,
  model: ModelInfo | null,
  id: string,
): void {
  if (vector === null || vector === undefined || model === null) return;
  if (vector.length !== model.dimensions) {
    throw new ValidationError(
      `Vector for memory ${id} has ${vector.length} dimensions but model "${model.id}" makes ${model.dimensions}.`,
    );
  }
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** commit() updates only memories stored before the batch: an id inserted and updated in one batch is refused. */
export function checkCommitBatch(inserts: StoredRecord[], updates: UpdateChange[]): void {
  const inserted = new Set(inserts.map((r) => r.memory.id));
  const both = updates.find((u) => inserted.has(u.memory.id));
  if (both) {
    throw new ValidationError(
      `Memory ${both.memory.id} is both inserted and updated in one commit; insert its final state instead.`,
    );
  }
}
