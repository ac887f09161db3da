/**
 * The NDJSON export/import format: one JSON object per line, `{"kind":"memory", ...every
 * Memory field, "vector"?: base64 float32}` followed by that memory's `{"kind":"version",
 * ...MemoryVersion}` lines, then the user's `{"kind":"state", userId, key, value}` lines (the
 * learner's weights), then one `{"kind":"media", userId, id, mediaKind, mimeType, bytes,
 * createdAt, name?, analysis, data}` line per image or recording (data is base64; the id
 * must be the sha256 of it). Timestamps, ids and versions are written as stored, so an
 * import reproduces the records exactly. Every line is validated before anything is written
 * (the error names the line number and field of the first problems): parseLine checks one
 * line, ImportValidator the whole file as it streams by, parseImport an in-memory text.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { StrataConfig } from '../config/schema.ts';
import { MemoryError, ValidationError } from '../errors.ts';
import type { MediaAnalysis, StoredBlob } from '../media/types.ts';
import type { StoredRecord } from '../stores/types.ts';
import {
  IsoDateSchema,
  type Memory,
  MemorySchema,
  type MemoryVersion,
  MemoryVersionSchema,
  UserIdSchema,
} from '../types.ts';
import { checkContent, checkMetadata } from './validate.ts';

const MemoryLineSchema = MemorySchema.extend({
  kind: z.literal('memory'),
  vector: z.string().optional(),
});
const VersionLineSchema = MemoryVersionSchema.extend({ kind: z.literal('version') });
/** A per-user state entry (the learner's weights): `{"kind":"state","userId","key","value"}`. */
const StateLineSchema = z.object({
  kind: z.literal('state'),
  userId: UserIdSchema,
  key: z.string().min(1).max(200),
  value: z.unknown(),
});
/** A media blob of the user: `{"kind":"media", id (sha256 of the bytes), mediaKind, mimeType, bytes, createdAt, analysis, data (base64)}`. */
const MediaLineSchema = z.object({
  kind: z.literal('media'),
  userId: UserIdSchema,
  id: z.string().regex(/^[0-9a-f]{64}$/, 'must be the sha256 (64 hex digits) of the bytes'),
  mediaKind: z.enum(['image', 'audio']),
  mimeType: z.string().min(1).max(100),
  bytes: z.number().int().min(0),
  createdAt: IsoDateSchema,
  name: z.string().max(1000).optional(),
  analysis: z.record(z.string(), z.unknown()),
  data: z.string(),
});
const LineSchema = z.discriminatedUnion('kind', [
  MemoryLineSchema,
  VersionLineSchema,
  StateLineSchema,
  MediaLineSchema,
]);

export function mediaLine(blob: StoredBlob): string {
  const { kind, data, ...rest } = blob;
  return `${JSON.stringify({ kind: 'media', ...rest, mediaKind: kind, data: data.toString('base64') })}\n`;
}

export interface StateEntry {
  userId: string;
  key: string;
  value: unknown;
}

export function stateLine(entry: StateEntry): string {
  return `${JSON.stringify({ kind: 'state', userId: entry.userId, key: entry.key, value: entry.value })}\n`;
}

export function memoryLine(memory: Memory, vector?: Float32Array | null): string {
  const line: Record<string, unknown> = { kind: 'memory', ...memory };
  if (vector)
    line.vector = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64');
  return `${JSON.stringify(line)}\n`;
}

export function versionLine(version: MemoryVersion): string {
  return `${JSON.stringify({ kind: 'version', ...version })}\n`;
}

export interface ParsedImport {
  /** Memory lines in file order, with their line numbers. */
  records: Array<StoredRecord & { line: number }>;
  history: MemoryVersion[];
  lines: number;
}

export interface ParseImportOptions {
  /** Every line must belong to this user (or is moved to it with reassign). */
  userId?: string | undefined;
  reassign?: boolean | undefined;
  config: StrataConfig;
}

/** One non-empty line, parsed and checked on its own (file-level checks are in ImportValidator). */
export type ParsedLine =
  | { kind: 'memory'; record: StoredRecord & { line: number } }
  | { kind: 'version'; version: MemoryVersion }
  | { kind: 'state'; entry: StateEntry }
  | { kind: 'media'; blob: StoredBlob }
  | { kind: 'invalid'; problems: Array<{ field: string; message: string }> };

interface Problem {
  line: number;
  field: string;
  message: string;
}

const MAX_REPORTED = 5;
/** Problems kept for the error's details; the message counts them all. */
const MAX_KEPT = 50;

export function parseLine(raw: string, line: number, options: ParseImportOptions): ParsedLine {
  const problems: Array<{ field: string; message: string }> = [];
  const invalid = (field: string, message: string): ParsedLine => {
    problems.push({ field, message });
    return { kind: 'invalid', problems };
  };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return invalid('(line)', `not valid JSON (${(error as Error).message})`);
  }
  const parsed = LineSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 3))
      problems.push({ field: issue.path.join('.') || 'kind', message: issue.message });
    return { kind: 'invalid', problems };
  }
  const entry = parsed.data;
  if (entry.kind === 'media') return mediaEntry(entry, options, invalid);
  if (entry.kind === 'state') {
    let userId = entry.userId;
    if (options.userId !== undefined && userId !== options.userId) {
      if (!options.reassign) {
        return invalid(
          'userId',
          `belongs to user "${userId}", but this import is for user "${options.userId}"`,
        );
      }
      userId = options.userId;
    }
    return { kind: 'state', entry: { userId, key: entry.key, value: entry.value } };
  }
  const memory = entry.kind === 'memory' ? stripKind(entry) : entry.memory;
  if (options.userId !== undefined && memory.userId !== options.userId) {
    if (!options.reassign) {
      return invalid(
        'userId',
        `belongs to user "${memory.userId}", but this import is for user "${options.userId}"`,
      );
    }
    memory.userId = options.userId;
  }
  if (entry.kind === 'version') {
    if (entry.memoryId !== entry.memory.id) return invalid('memoryId', 'does not match memory.id');
    return {
      kind: 'version',
      version: { memoryId: entry.memoryId, version: entry.version, op: entry.op, at: entry.at, memory },
    };
  }
  try {
    memory.content = checkContent(memory.content, options.config);
    checkMetadata(memory.metadata, options.config);
  } catch (error) {
    return invalid(
      MemoryError.isInstance(error) ? String(error.details.field ?? 'content') : 'content',
      (error as Error).message,
    );
  }
  const vector = entry.vector ? decodeVector(entry.vector) : null;
  if (entry.vector && !vector) return invalid('vector', 'is not base64 of float32 values');
  return { kind: 'memory', record: { memory, vector, line } };
}

/**
 * The file-level checks of a streaming first pass: every line valid, no id twice, every
 * version line with a memory line. It keeps only each memory id's line number, not the
 * records, so a file of any size validates in bounded memory per line. It also notes
 * whether every version line directly follows its memory's lines (what export writes),
 * which lets the import commit in batches that keep each memory with its history.
 */
export class ImportValidator {
  readonly #options: ParseImportOptions;
  readonly #problems: Problem[] = [];
  #problemCount = 0;
  readonly #seen = new Map<string, number>();
  /** Version lines whose memory line had not appeared yet (checked again at the end). */
  readonly #early = new Set<string>();
  #lastMemoryId: string | null = null;
  #grouped = true;
  lines = 0;

  constructor(options: ParseImportOptions) {
    this.#options = options;
  }

  /** Checks one raw line (1-based number); blank lines are skipped. */
  check(raw: string, line: number): ParsedLine | null {
    if (raw.trim() === '') return null;
    this.lines++;
    const parsed = parseLine(raw, line, this.#options);
    if (parsed.kind === 'invalid') {
      for (const p of parsed.problems) this.#problem({ line, ...p });
    } else if (parsed.kind === 'version') {
      const { memoryId } = parsed.version;
      if (memoryId !== this.#lastMemoryId) this.#grouped = false;
      if (!this.#seen.has(memoryId)) this.#early.add(memoryId);
    } else if (parsed.kind === 'memory') {
      const { id } = parsed.record.memory;
      const previous = this.#seen.get(id);
      if (previous !== undefined) {
        this.#problem({ line, field: 'id', message: `memory ${id} already appeared on line ${previous}` });
      } else {
        this.#seen.set(id, line);
      }
      this.#lastMemoryId = id;
    }
    return parsed;
  }

  /** True when every version line follows its own memory line (batches may split between memories). */
  get grouped(): boolean {
    return this.#grouped;
  }

  /** Throws one ValidationError naming up to five bad lines when any check failed. */
  finish(): void {
    for (const memoryId of this.#early) {
      if (!this.#seen.has(memoryId)) {
        this.#problem({
          line: 0,
          field: 'memoryId',
          message: `version line for ${memoryId} has no memory line`,
        });
      }
    }
    if (this.#problemCount === 0) return;
    const shown = this.#problems
      .slice(0, MAX_REPORTED)
      .map((p) => (p.line > 0 ? `line ${p.line}: ${p.field}: ${p.message}` : `${p.field}: ${p.message}`));
    const more = this.#problemCount > MAX_REPORTED ? ` (and ${this.#problemCount - MAX_REPORTED} more)` : '';
    throw new ValidationError(`Import rejected, nothing was imported. ${shown.join('; ')}${more}`, {
      details: { problems: this.#problems },
    });
  }

  #problem(problem: Problem): void {
    this.#problemCount++;
    if (this.#problems.length < MAX_KEPT) this.#problems.push(problem);
  }
}

/** Validates every line of an in-memory text; throws one ValidationError naming up to five bad lines. */
export function parseImport(text: string, options: ParseImportOptions): ParsedImport {
  const validator = new ImportValidator(options);
  const records: ParsedImport['records'] = [];
  const history: MemoryVersion[] = [];
  let line = 0;
  for (const raw of text.split('\n')) {
    const parsed = validator.check(raw, ++line);
    if (parsed?.kind === 'memory') records.push(parsed.record);
    else if (parsed?.kind === 'version') history.push(parsed.version);
  }
  validator.finish();
  return { records, history, lines: validator.lines };
}

function mediaEntry(
  entry: z.output<typeof MediaLineSchema>,
  options: ParseImportOptions,
  invalid: (field: string, message: string) => ParsedLine,
): ParsedLine {
  let userId = entry.userId;
  if (options.userId !== undefined && userId !== options.userId) {
    if (!options.reassign) {
      return invalid(
        'userId',
        `belongs to user "${userId}", but this import is for user "${options.userId}"`,
      );
    }
    userId = options.userId;
  }
  const data = Buffer.from(entry.data, 'base64');
  if (data.length !== entry.bytes)
    return invalid('data', `decodes to ${data.length} bytes, but bytes says ${entry.bytes}`);
  if (data.length > options.config.media.maxBytes) {
    return invalid(
      'data',
      `is ${data.length} bytes; the limit is ${options.config.media.maxBytes} (media.maxBytes)`,
    );
  }
  if (createHash('sha256').update(data).digest('hex') !== entry.id) {
    return invalid('id', 'is not the sha256 of data (the bytes were altered)');
  }
  const blob: StoredBlob = {
    id: entry.id,
    userId,
    kind: entry.mediaKind,
    mimeType: entry.mimeType,
    bytes: entry.bytes,
    createdAt: entry.createdAt,
    analysis: entry.analysis as MediaAnalysis,
    data,
  };
  if (entry.name !== undefined) blob.name = entry.name;
  return { kind: 'media', blob };
}

function stripKind(entry: z.output<typeof MemoryLineSchema>): Memory {
  const { kind: _kind, vector: _vector, ...memory } = entry;
  return memory;
}

function decodeVector(base64: string): Float32Array | null {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return null;
  const copy = new Uint8Array(bytes);
  const vector = new Float32Array(copy.buffer, 0, copy.length / 4);
  return vector.every(Number.isFinite) ? vector : null;
}
