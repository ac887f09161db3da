/**
 * Helpers shared by the CLI command files: open-run-close of the engine, option parsers
 * that reject bad numbers/JSON before any work starts, reading stdin, and the human
 * renderings of memories and versions, so every command prints the same way.
 */
import { InvalidArgumentError } from 'commander';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { IsoDateSchema, type Memory, type MemoryVersion } from '../types.ts';
import type { CliContext, OpenOptions } from './types.ts';

/** Opens the engine (as of `options.at`, when given), runs `fn`, and always closes it (flushing queued work). */
export async function withMemory<T>(
  ctx: CliContext,
  fn: (memory: StrataMemory) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const memory = await ctx.openMemory(undefined, options);
  try {
    return await fn(memory);
  } finally {
    await memory.close();
  }
}

/** {@link withMemory} for commands that only read: a data dir without a store is an error, not a new empty store. */
export function readMemory<T>(
  ctx: CliContext,
  fn: (memory: StrataMemory) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  return withMemory(ctx, fn, { ...options, readOnly: true });
}

/**
 * `--at <iso>` on a command that depends on "now" (write times, "last week", recency, decay):
 * the command runs as of that instant. Shared so every such command says the same.
 */
export function atOption(
  what: string,
): [flags: string, description: string, parse: (value: string) => string] {
  return ['--at <iso>', `run as of this instant instead of now (ISO-8601): ${what}`, parseInstant('--at')];
}

/** An ISO-8601 date or date-time, normalized to a UTC instant. */
export function parseInstant(label: string) {
  return (value: string): string => {
    if (!IsoDateSchema.safeParse(value).success) {
      throw new InvalidArgumentError(
        `${label} must be an ISO-8601 date or date-time such as 2024-05-01T12:00:00Z, got "${value}".`,
      );
    }
    return new Date(value).toISOString();
  };
}

export function parseInteger(label: string, min = 0) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`${label} must be an integer ≥ ${min}, got "${value}".`);
    }
    return n;
  };
}

export function parseNumber(label: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n))
      throw new InvalidArgumentError(`${label} must be a number, got "${value}".`);
    return n;
  };
}

export function parseJsonObject(label: string) {
  return (value: string): Record<string, unknown> => {
    try {
      const parsed: unknown = JSON.parse(value);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        return parsed as Record<string, unknown>;
    } catch {
      // fall through to the error below
    }
    throw new InvalidArgumentError(
      `${label} must be a JSON object such as '{"topic":"travel"}', got ${value}.`,
    );
  };
}

/** Repeatable/comma-separated option values: --layer episodic --layer semantic, or episodic,semantic. */
export function collectList(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function memoryRow(memory: Memory): Record<string, unknown> {
  return {
    id: memory.id,
    layer: memory.layer,
    created: memory.createdAt.slice(0, 19).replace('T', ' '),
    v: memory.version,
    content: memory.content,
  };
}

export const MEMORY_COLUMNS = ['id', 'layer', 'created', 'v', 'content'];

export function describeMemory(memory: Memory): string {
  const lines = [
    `id:         ${memory.id}`,
    `user:       ${memory.userId}`,
    `layer:      ${memory.layer}`,
    `version:    ${memory.version}`,
    `created:    ${memory.createdAt}`,
    `updated:    ${memory.updatedAt}`,
    `importance: ${memory.importance}`,
  ];
  if (memory.supersededBy) lines.push(`superseded: by ${memory.supersededBy}`);
  if (Object.keys(memory.metadata).length > 0) lines.push(`metadata:   ${JSON.stringify(memory.metadata)}`);
  lines.push('', memory.content);
  return lines.join('\n');
}

export function versionRow(version: MemoryVersion): Record<string, unknown> {
  return { version: version.version, op: version.op, at: version.at, content: version.memory.content };
}
