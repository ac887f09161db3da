/**
 * The one path from a failed zod parse to a ValidationError. The engine, the HTTP routes'
 * envelope checks, the turn pipeline, the MCP tools and the import line checker all report
 * bad input the same way, `Invalid <what>: <field>: <problem>; …`, with the same
 * `details.issues` list of `{field, message}`, so a caller can fix a field without parsing
 * a surface-specific message. Field paths read as code does: `inputs[1].metadata.tag`.
 */
import type { z } from 'zod';
import { ValidationError } from './errors.ts';

export interface FieldIssue {
  field: string;
  message: string;
}

/** The message lists this many problems; details keep them all. */
const MAX_LISTED = 10;

/** `items`, `1`, `n` under prefix `body` → `body.items[1].n`; an empty path is the prefix or `(root)`. */
export function fieldPath(path: readonly PropertyKey[], prefix = ''): string {
  let field = prefix;
  for (const part of path) {
    if (typeof part === 'number') field += `[${part}]`;
    else field += field === '' ? String(part) : `.${String(part)}`;
  }
  return field === '' ? '(root)' : field;
}

export function fieldIssues(error: z.ZodError, prefix = ''): FieldIssue[] {
  return error.issues.map((issue) => ({ field: fieldPath(issue.path, prefix), message: issue.message }));
}

/** `what` names the input ("search query", "turn", "request"); `prefix` starts each field path. */
export function toValidationError(error: z.ZodError, what: string, prefix = ''): ValidationError {
  const issues = fieldIssues(error, prefix);
  const listed = issues
    .slice(0, MAX_LISTED)
    .map((i) => `${i.field}: ${i.message}`)
    .join('; ');
  const more = issues.length > MAX_LISTED ? ` (and ${issues.length - MAX_LISTED} more)` : '';
  return new ValidationError(`Invalid ${what}: ${listed}${more}`, { details: { issues } });
}

/** Parses `value` with `schema` or throws the ValidationError above. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  prefix = '',
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw toValidationError(parsed.error, what, prefix);
}
