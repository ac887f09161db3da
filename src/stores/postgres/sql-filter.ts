/**
 * StoreFilter → a Postgres WHERE clause over strata_memories (alias m) with numbered
 * parameters. It always starts with `m.user_id = $n`, so every query is scoped to one user
 * and can use an index that starts with user_id. Metadata equality is left to the shared
 * compileFilter (authoritative, and the only option when metadata is encrypted): the
 * caller re-checks rows when `needsJsCheck` is set.
 */
import { normalizeBound } from '../shared/filter.ts';
import type { StoreFilter } from '../types.ts';

export interface PgWhere {
  sql: string;
  params: unknown[];
  /** True when rows must be re-checked with compileFilter (metadata conditions). */
  needsJsCheck: boolean;
}

/** Builds the clause; `first` is the number of the first parameter it may use. */
export function whereFor(filter: StoreFilter, first = 1): PgWhere {
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${first + params.length - 1}`;
  };
  const clauses = [`m.user_id = ${bind(filter.userId)}`];
  if (filter.layers && filter.layers.length > 0)
    clauses.push(`m.layer = ANY(${bind(filter.layers)}::text[])`);
  const since = normalizeBound(filter.since, 'since');
  const until = normalizeBound(filter.until, 'until');
  if (since !== undefined) clauses.push(`m.created_at >= ${bind(since)}`);
  if (until !== undefined) clauses.push(`m.created_at <= ${bind(until)}`);
  if (!filter.includeSuperseded) clauses.push('m.superseded_by IS NULL');
  if (filter.ids) clauses.push(`m.id = ANY(${bind([...new Set(filter.ids)])}::text[])`);
  const needsJsCheck = Object.keys(filter.metadata ?? {}).length > 0;
  return { sql: clauses.join(' AND '), params, needsJsCheck };
}
