/**
 * StoreFilter semantics in one place, so the in-memory store, the SQLite vector index
 * post-filter and any future adapter agree: userId always, layers, inclusive since/until
 * on createdAt, equality on top-level metadata keys (deep equality for objects/arrays),
 * superseded memories hidden unless asked for, optional id restriction.
 */
import { ValidationError } from '../../errors.ts';
import type { Memory } from '../../types.ts';
import type { StoreFilter } from '../types.ts';

/** Normalizes a since/until bound to a UTC ISO string; throws a ValidationError naming the field. */
export function normalizeBound(value: string | undefined, field: 'since' | 'until'): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new ValidationError(
      `${field} "${value}" is not a valid date; use ISO-8601 such as 2024-05-01T00:00:00Z.`,
    );
  }
  return new Date(ms).toISOString();
}

export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type CompiledFilter = (memory: Memory) => boolean;

/** Compiles a filter once (bounds parsed, metadata serialized) for repeated checks. */
export function compileFilter(filter: StoreFilter): CompiledFilter {
  const since = normalizeBound(filter.since, 'since');
  const until = normalizeBound(filter.until, 'until');
  const sinceMs = since === undefined ? undefined : Date.parse(since);
  const untilMs = until === undefined ? undefined : Date.parse(until);
  const layers = filter.layers && filter.layers.length > 0 ? new Set(filter.layers) : undefined;
  const ids = filter.ids ? new Set(filter.ids) : undefined;
  const metadata = filter.metadata
    ? Object.entries(filter.metadata).map(([key, value]) => [key, stableJson(value)] as const)
    : [];
  const includeSuperseded = filter.includeSuperseded ?? false;
  return (memory) => {
    if (memory.userId !== filter.userId) return false;
    if (layers && !layers.has(memory.layer)) return false;
    if (ids && !ids.has(memory.id)) return false;
    if (!includeSuperseded && memory.supersededBy !== null) return false;
    if (sinceMs !== undefined || untilMs !== undefined) {
      const created = Date.parse(memory.createdAt);
      if (sinceMs !== undefined && created < sinceMs) return false;
      if (untilMs !== undefined && created > untilMs) return false;
    }
    for (const [key, expected] of metadata) {
      if (!Object.hasOwn(memory.metadata, key)) return false;
      if (stableJson(memory.metadata[key]) !== expected) return false;
    }
    return true;
  };
}
