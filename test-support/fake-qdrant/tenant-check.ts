/**
 * The tenant rule as a test oracle: given a recorded request, says why it violates "every
 * read, count, payload update and delete carries the user condition", or null. Allowed
 * exceptions are explicit: the users() facet (returns user ids only) and the ownership
 * probe (a count whose must_not names the user, used to keep ids globally unique).
 */
import { excludedUsers, requiredUsers } from './fake-filter.ts';
import type { RecordedRequest } from './fake-model.ts';

type Json = Record<string, unknown>;

const FILTERED = new Set(['scroll_points', 'query_points', 'count_points', 'delete_points']);
const ALLOWED_UNSCOPED = new Set(['facet']);

export function tenantViolation(request: RecordedRequest): string | null {
  const op = request.operationId ?? '';
  const body = (request.body ?? {}) as Json;
  const describe = (why: string) => `${request.method} ${request.path} (${op}): ${why}`;
  if (ALLOWED_UNSCOPED.has(op)) return null;
  if (op === 'get_points' || op === 'get_point') return describe('reads points by id without a user filter');
  if (FILTERED.has(op)) {
    const filter = body.filter as Json | undefined;
    if (requiredUsers(filter).length > 0) return null;
    const must = (filter?.must ?? []) as Json[];
    const isProbe =
      op === 'count_points' && excludedUsers(filter).length > 0 && must.some((c) => 'has_id' in c);
    if (isProbe) return null;
    return describe(
      op === 'delete_points' && Array.isArray(body.points) ? 'deletes by point ids' : 'no user condition',
    );
  }
  if (op === 'batch_update') {
    for (const operation of (body.operations ?? []) as Json[]) {
      const spec = (operation.set_payload ?? operation.delete ?? operation.overwrite_payload) as
        | Json
        | undefined;
      if (spec !== undefined && requiredUsers(spec.filter as Json | undefined).length === 0) {
        return describe(`batch operation ${Object.keys(operation).join(',')} without a user condition`);
      }
    }
  }
  return null;
}
