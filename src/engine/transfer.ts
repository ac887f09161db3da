/**
 * Export and import of one user's memories as NDJSON (format in ndjson.ts). Export streams
 * records in store order with their history, page by page, then the user's media blobs.
 * Import streams too: a first
 * pass validates every line (nothing is written unless all are valid, and the error names
 * the lines), a second pass reads the input again and writes it in batches of
 * IMPORT_BATCH memories, each with its history, through store.restore. Records identical
 * to what is stored are skipped (the same file twice leaves the same state), and lines
 * without a vector of the current model are re-embedded batch by batch with embedMany.
 * A file whose version lines do not follow their memory line (export never writes one)
 * is imported in one batch, as before. A store failure mid-way leaves the batches before
 * it written; importing the same file again completes it. limits.maxBatchSize does not
 * apply: an export of any size must import again.
 */
import type { Readable } from 'node:stream';
import { ClosedError, ValidationError } from '../errors.ts';
import { admitWrite, type EngineContext, type ProducedWrite } from '../layers/context.ts';
import type { StoredBlob } from '../media/types.ts';
import { restoreUserState, userStateEntries } from '../pipeline/learner-store.ts';
import { memoryBytes } from '../stores/shared/records.ts';
import type { StoredRecord } from '../stores/types.ts';
import type { ImportResult, Memory, MemoryVersion } from '../types.ts';
import {
  ImportValidator,
  mediaLine,
  memoryLine,
  type ParseImportOptions,
  parseLine,
  type StateEntry,
  stateLine,
  versionLine,
} from './ndjson.ts';
import { replayable } from './ndjson-input.ts';
import type { ExportOptions, ImportOptions } from './strata-memory.ts';
import { parseUserId } from './validate.ts';

/** Memories per write in the import's second pass (each with all of its version lines). */
export const IMPORT_BATCH = 500;

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
  for (const entry of await userStateEntries(ctx, userId)) yield stateLine({ userId, ...entry });
  if (options.includeMedia === false || !ctx.media) return;
  for (const info of await ctx.media.blobs.list(userId)) {
    if (isClosed()) throw new ClosedError();
    const blob = await ctx.media.blobs.get(userId, info.id);
    if (blob) yield mediaLine(blob);
  }
}

interface Batch {
  records: StoredRecord[];
  history: MemoryVersion[];
}

export async function importNdjson(
  ctx: EngineContext,
  input: string | Readable,
  options: ImportOptions & { batchSize?: number },
): Promise<ImportResult> {
  const userId = options.userId === undefined ? undefined : parseUserId(options.userId);
  const parseOptions: ParseImportOptions = { userId, reassign: options.reassign, config: ctx.config };
  const encrypted = ctx.config.encryption.key !== undefined || ctx.config.encryption.keyFile !== undefined;
  const source = replayable(input, { seal: encrypted });
  try {
    const validator = new ImportValidator(parseOptions);
    let line = 0;
    for await (const raw of source.firstPass()) validator.check(raw, ++line);
    validator.finish();

    const limit = validator.grouped ? Math.max(1, options.batchSize ?? IMPORT_BATCH) : Infinity;
    const result: ImportResult = { imported: 0, unchanged: 0, lines: validator.lines };
    let batch: Batch = { records: [], history: [] };
    const states: StateEntry[] = [];
    line = 0;
    for await (const raw of source.secondPass()) {
      line++;
      if (raw.trim() === '') continue;
      const parsed = parseLine(raw, line, parseOptions);
      if (parsed.kind === 'invalid') {
        throw new ValidationError(
          `Import input changed between validation and writing (line ${line} is no longer valid); ${result.imported} memories were written. Import the file again.`,
        );
      }
      if (parsed.kind === 'version') {
        batch.history.push(parsed.version);
        continue;
      }
      if (parsed.kind === 'state') {
        states.push(parsed.entry);
        continue;
      }
      if (parsed.kind === 'media') {
        if (await writeBlob(ctx, parsed.blob)) result.media = (result.media ?? 0) + 1;
        continue;
      }
      if (batch.records.length >= limit) {
        await writeBatch(ctx, batch, result);
        batch = { records: [], history: [] };
      }
      batch.records.push({ memory: parsed.record.memory, vector: parsed.record.vector });
    }
    await writeBatch(ctx, batch, result);
    for (const entry of states) await restoreUserState(ctx, entry.userId, entry.key, entry.value);
    return result;
  } finally {
    await source.close();
  }
}

/** Stores an imported blob unless the user has it (admitted with its bytes); true when written. */
async function writeBlob(ctx: EngineContext, blob: StoredBlob): Promise<boolean> {
  const blobs = ctx.media?.blobs;
  if (!blobs || (await blobs.info(blob.userId, blob.id))) return false;
  return admitWrite(ctx, [{ userId: blob.userId, memories: 0, bytes: blob.bytes }], () => blobs.put(blob));
}

/** Skips unchanged records, embeds the stale ones, and restores the rest with their history. */
async function writeBatch(ctx: EngineContext, batch: Batch, result: ImportResult): Promise<void> {
  if (batch.records.length === 0) return;
  const { changed, existing } = await changedRecords(ctx, batch.records);
  result.unchanged += batch.records.length - changed.length;
  if (changed.length === 0) return;

  const { id: model, dimensions } = ctx.embedder;
  const stale = changed.filter(
    (r) => !(r.vector && r.memory.embeddingModel === model && r.vector.length === dimensions),
  );
  if (stale.length > 0) {
    const vectors = await ctx.embedder.embedMany(stale.map((r) => r.memory.content));
    stale.forEach((record, i) => {
      record.vector = vectors[i]!;
      record.memory.embeddingModel = model;
    });
  }
  const ids = new Set(changed.map((r) => r.memory.id));
  // The batch is admitted whole by the call's gate (quotas): new memories, and bytes net of
  // the stored versions it replaces.
  const produced = new Map<string, ProducedWrite>();
  for (const { memory } of changed) {
    const entry = produced.get(memory.userId) ?? { userId: memory.userId, memories: 0, bytes: 0 };
    const stored = existing.get(memory.id);
    if (!stored) entry.memories += 1;
    entry.bytes += memoryBytes(memory) - (stored ? memoryBytes(stored) : 0);
    produced.set(memory.userId, entry);
  }
  await admitWrite(ctx, [...produced.values()], () =>
    ctx.store.restore(
      changed,
      batch.history.filter((v) => ids.has(v.memoryId)),
    ),
  );
  result.imported += changed.length;
}

async function changedRecords(
  ctx: EngineContext,
  records: StoredRecord[],
): Promise<{ changed: StoredRecord[]; existing: Map<string, Memory> }> {
  const byUser = new Map<string, string[]>();
  for (const { memory } of records) {
    const ids = byUser.get(memory.userId);
    if (ids) ids.push(memory.id);
    else byUser.set(memory.userId, [memory.id]);
  }
  const existing = new Map<string, Memory>();
  for (const [userId, ids] of byUser) {
    for (const memory of await ctx.store.getMany(userId, ids)) existing.set(memory.id, memory);
  }
  const changed = records.filter((r) => {
    const stored = existing.get(r.memory.id);
    // The model tag follows the vector, which import may recompute; it is not part of the content.
    return !stored || canonical(stored) !== canonical({ ...r.memory, embeddingModel: stored.embeddingModel });
  });
  return { changed, existing };
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
