/**
 * Export and import of one user's memories as NDJSON (format in ndjson.ts). Export streams
 * records in store order with their history; import validates the whole file first, skips
 * records identical to what is stored (so the same file twice leaves the same state),
 * re-embeds lines without a vector of the current model, and writes the rest with one
 * all-or-nothing store.restore. limits.maxBatchSize does not apply: an export of any size
 * must import again (HTTP bodies are bounded by server.bodyLimitBytes instead).
 */
import type { Readable } from 'node:stream';
import type { ExportOptions, ImportOptions } from '../api.ts';
import { ClosedError } from '../errors.ts';
import type { StoredRecord } from '../stores/types.ts';
import type { ImportResult, Memory } from '../types.ts';
import type { EngineContext } from './context.ts';
import { memoryLine, parseImport, readAll, versionLine } from './ndjson.ts';
import { parseUserId } from './validate.ts';

export async function* exportLines(
  ctx: EngineContext,
  userId: string,
  options: ExportOptions,
  isClosed: () => boolean,
): AsyncGenerator<string> {
  for await (const batch of ctx.store.scan({ userId, batchSize: 500 })) {
    if (isClosed()) throw new ClosedError();
    for (const { memory, vector } of batch) {
      if (memory.userId !== userId) continue;
      yield memoryLine(memory, options.includeVectors ? vector : null);
      if (options.includeHistory === false) continue;
      for (const version of await ctx.store.history(userId, memory.id)) yield versionLine(version);
    }
  }
}

export async function importNdjson(
  ctx: EngineContext,
  input: string | Readable,
  options: ImportOptions,
): Promise<ImportResult> {
  const userId = options.userId === undefined ? undefined : parseUserId(options.userId);
  const parsed = parseImport(await readAll(input), {
    userId,
    reassign: options.reassign,
    config: ctx.config,
  });
  const changed = await changedRecords(ctx, parsed.records);

  const { id: model, dimensions } = ctx.embedder;
  const stale = changed.filter(
    (r) => !(r.vector && r.memory.embeddingModel === model && r.vector.length === dimensions),
  );
  const vectors = await ctx.embedder.embedMany(stale.map((r) => r.memory.content));
  stale.forEach((record, i) => {
    record.vector = vectors[i]!;
    record.memory.embeddingModel = model;
  });

  if (changed.length > 0) {
    const ids = new Set(changed.map((r) => r.memory.id));
    const history = parsed.history.filter((v) => ids.has(v.memoryId));
    await ctx.store.restore(
      changed.map(({ memory, vector }) => ({ memory, vector })),
      history,
    );
  }
  return { imported: changed.length, unchanged: parsed.records.length - changed.length, lines: parsed.lines };
}

async function changedRecords<R extends StoredRecord>(ctx: EngineContext, records: R[]): Promise<R[]> {
  const byUser = new Map<string, string[]>();
  for (const { memory } of records)
    byUser.set(memory.userId, [...(byUser.get(memory.userId) ?? []), memory.id]);
  const existing = new Map<string, Memory>();
  for (const [userId, ids] of byUser) {
    for (const memory of await ctx.store.getMany(userId, ids)) existing.set(memory.id, memory);
  }
  return records.filter((r) => {
    const stored = existing.get(r.memory.id);
    // The model tag follows the vector, which import may recompute; it is not part of the content.
    return !stored || canonical(stored) !== canonical({ ...r.memory, embeddingModel: stored.embeddingModel });
  });
}

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}
