/**
 * StoreFilter → SQL WHERE clause over the `memories` table (alias m). Lists are bound as
 * one JSON parameter read through json_each, so the SQL text depends only on which filters
 * are present and prepared statements stay cacheable. Metadata equality on primitive values
 * is pushed into SQL with json_extract + json_type (so 1, "1" and true stay distinct) when
 * metadata is stored in plaintext; under encryption (or for object values) the caller
 * re-checks every row with the shared compileFilter, which is authoritative either way.
 */

import { normalizeBound } from '../shared/filter.ts';
import type { StoreFilter } from '../types.ts';

export interface SqlWhere {
  sql: string;
  params: unknown[];
  /** True when some condition could not be expressed in SQL and rows need a JS re-check. */
  needsJsCheck: boolean;
}

function jsonTypeFor(value: unknown): { types: string[]; bind: unknown } | null {
  if (typeof value === 'string') return { types: ['text'], bind: value };
  if (typeof value === 'number' && Number.isFinite(value)) return { types: ['integer', 'real'], bind: value };
  if (typeof value === 'boolean') return { types: [value ? 'true' : 'false'], bind: null };
  if (value === null) return { types: ['null'], bind: null };
  return null;
}

export function whereFor(filter: StoreFilter, options: { encrypted: boolean }): SqlWhere {
  // With an id list, `+` keeps the planner on the unique id index instead of scanning the user.
  const clauses = [filter.ids ? '+m.user_id = ?' : 'm.user_id = ?'];
  const params: unknown[] = [filter.userId];
  let needsJsCheck = false;
  if (filter.layers && filter.layers.length === 1) {
    // Equality lets the planner walk memories_user_layer in (created_at, id) order.
    clauses.push('m.layer = ?');
    params.push(filter.layers[0]);
  } else if (filter.layers && filter.layers.length > 0) {
    clauses.push('m.layer IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.layers));
  }
  const since = normalizeBound(filter.since, 'since');
  const until = normalizeBound(filter.until, 'until');
  if (since !== undefined) {
    clauses.push('m.created_at >= ?');
    params.push(since);
  }
  if (until !== undefined) {
    clauses.push('m.created_at <= ?');
    params.push(until);
  }
  if (!filter.includeSuperseded) clauses.push('m.superseded_by IS NULL');
  if (filter.ids) {
    clauses.push('m.id IN (SELECT value FROM json_each(?))');
    params.push(JSON.stringify(filter.ids));
  }
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    const typed = jsonTypeFor(value);
    if (options.encrypted || typed === null) {
      needsJsCheck = true;
      continue;
    }
    const path = `$.${JSON.stringify(key)}`;
    clauses.push(`json_type(m.metadata, ?) IN (${typed.types.map(() => '?').join(', ')})`);
    params.push(path, ...typed.types);
    if (typed.bind !== null) {
      clauses.push('json_extract(m.metadata, ?) = ?');
      params.push(path, typed.bind);
    }
  }
  return { sql: clauses.join(' AND '), params, needsJsCheck };
}
