/**
 * The NDJSON export/import format: one JSON object per line, `{"kind":"memory", ...every
 * Memory field, "vector"?: base64 float32}` followed by that memory's `{"kind":"version",
 * ...MemoryVersion}` lines. Timestamps, ids and versions are written as stored, so an
 * import reproduces the records exactly. Parsing validates every line before anything is
 * written and names the line number and field of the first problems it finds.
 */
import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { StrataConfig } from '../config/schema.ts';
import { MemoryError, ValidationError } from '../errors.ts';
import type { StoredRecord } from '../stores/types.ts';
import { type Memory, MemorySchema, type MemoryVersion, MemoryVersionSchema } from '../types.ts';
import { checkContent, checkMetadata } from './validate.ts';

const MemoryLineSchema = MemorySchema.extend({
  kind: z.literal('memory'),
  vector: z.string().optional(),
});
const VersionLineSchema = MemoryVersionSchema.extend({ kind: z.literal('version') });
const LineSchema = z.discriminatedUnion('kind', [MemoryLineSchema, VersionLineSchema]);

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

const MAX_REPORTED = 5;

/** Validates every line; throws one ValidationError naming up to five bad lines. */
export function parseImport(text: string, options: ParseImportOptions): ParsedImport {
  const problems: Array<{ line: number; field: string; message: string }> = [];
  const records: ParsedImport['records'] = [];
  const history: MemoryVersion[] = [];
  const seen = new Map<string, number>();
  const rows = text.split('\n');
  let lines = 0;
  rows.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    lines++;
    const problem = (field: string, message: string) => problems.push({ line, field, message });
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      problem('(line)', `not valid JSON (${(error as Error).message})`);
      return;
    }
    const parsed = LineSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 3))
        problem(issue.path.join('.') || 'kind', issue.message);
      return;
    }
    const entry = parsed.data;
    const memory = entry.kind === 'memory' ? stripKind(entry) : entry.memory;
    if (options.userId !== undefined && memory.userId !== options.userId) {
      if (!options.reassign) {
        problem(
          'userId',
          `belongs to user "${memory.userId}", but this import is for user "${options.userId}"`,
        );
        return;
      }
      memory.userId = options.userId;
    }
    if (entry.kind === 'version') {
      if (entry.memoryId !== entry.memory.id) problem('memoryId', 'does not match memory.id');
      history.push({ memoryId: entry.memoryId, version: entry.version, op: entry.op, at: entry.at, memory });
      return;
    }
    try {
      memory.content = checkContent(memory.content, options.config);
      checkMetadata(memory.metadata, options.config);
    } catch (error) {
      problem(
        MemoryError.isInstance(error) ? String(error.details.field ?? 'content') : 'content',
        (error as Error).message,
      );
      return;
    }
    const previous = seen.get(memory.id);
    if (previous !== undefined) {
      problem('id', `memory ${memory.id} already appeared on line ${previous}`);
      return;
    }
    seen.set(memory.id, line);
    const vector = entry.vector ? decodeVector(entry.vector) : null;
    if (entry.vector && !vector) problem('vector', 'is not base64 of float32 values');
    records.push({ memory, vector, line });
  });
  for (const version of history) {
    if (!seen.has(version.memoryId)) {
      problems.push({
        line: 0,
        field: 'memoryId',
        message: `version line for ${version.memoryId} has no memory line`,
      });
    }
  }
  if (problems.length > 0) {
    const shown = problems
      .slice(0, MAX_REPORTED)
      .map((p) => (p.line > 0 ? `line ${p.line}: ${p.field}: ${p.message}` : `${p.field}: ${p.message}`));
    const more = problems.length > MAX_REPORTED ? ` (and ${problems.length - MAX_REPORTED} more)` : '';
    throw new ValidationError(`Import rejected, nothing was imported. ${shown.join('; ')}${more}`, {
      details: { problems: problems.slice(0, 50) },
    });
  }
  return { records, history, lines };
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

export async function readAll(input: string | Readable): Promise<string> {
  if (typeof input === 'string') return input;
  const chunks: Buffer[] = [];
  for await (const chunk of input)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
