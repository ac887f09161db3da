/**
 * The ONE place Qdrant filters are built. Every scroll, query, count, payload update and
 * delete the store sends takes its filter from `scopedFilter`, which always starts with
 * the tenant condition `userId == <user>` (backed by the is_tenant keyword index), so no
 * request can reach another user's points. The system tenant holds the store's own meta
 * point, so even that read carries a user condition. contract.test.ts intercepts every
 * request and fails if a read or delete lacks it.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { ValidationError } from '../../errors.ts';
import { normalizeBound } from '../shared/filter.ts';
import type { StoreFilter } from '../types.ts';
import { memoryPointId } from './payload.ts';

export type QdrantFilter = Schemas['Filter'];
export type QdrantCondition = Schemas['Condition'];

/** Tenant of the store's meta point (history collection, kind "meta"; user reads ask for kind "version"). */
export const SYSTEM_TENANT = '_strata_system_';

export interface ExtraConditions {
  must?: QdrantCondition[];
  should?: QdrantCondition[];
  must_not?: QdrantCondition[];
}

/** A JSON path segment for a metadata key; quoted when it is not a plain identifier. */
function metadataKey(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `metadata.${key}` : `metadata.${JSON.stringify(key)}`;
}

function metadataCondition(key: string, value: unknown): QdrantCondition | null {
  const path = metadataKey(key);
  if (value === null) return { is_null: { key: path } };
  if (typeof value === 'string' || typeof value === 'boolean') return { key: path, match: { value } };
  if (typeof value === 'number' && Number.isInteger(value)) return { key: path, match: { value } };
  if (typeof value === 'number') return { key: path, range: { gte: value, lte: value } };
  // Objects and arrays have no exact Qdrant equivalent; the store compares them in process.
  return null;
}

/** Metadata filters that Qdrant cannot express; checked in process after the request. */
export function residualMetadata(filter: { metadata?: Record<string, unknown> | undefined }) {
  return Object.entries(filter.metadata ?? {}).filter(
    ([key, value]) => metadataCondition(key, value) === null,
  );
}

/** Builds the filter for one user's points; `ids` narrow it, they never widen it past the user. */
export function scopedFilter(filter: StoreFilter, extra: ExtraConditions = {}): QdrantFilter {
  if (typeof filter.userId !== 'string' || filter.userId.length === 0) {
    throw new ValidationError('Every Qdrant request needs a userId; got an empty one.');
  }
  const must: QdrantCondition[] = [{ key: 'userId', match: { value: filter.userId } }];
  const mustNot: QdrantCondition[] = [...(extra.must_not ?? [])];
  if (filter.layers !== undefined) must.push({ key: 'layer', match: { any: filter.layers } });
  const since = normalizeBound(filter.since, 'since');
  const until = normalizeBound(filter.until, 'until');
  if (since !== undefined || until !== undefined) {
    must.push({
      key: 'createdAt',
      range: {
        ...(since === undefined ? {} : { gte: since }),
        ...(until === undefined ? {} : { lte: until }),
      },
    });
  }
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    const condition = metadataCondition(key, value);
    if (condition !== null) must.push(condition);
  }
  if (filter.includeSuperseded !== true) mustNot.push({ key: 'superseded', match: { value: true } });
  if (filter.ids !== undefined) {
    must.push({ has_id: filter.ids.map((id) => memoryPointId(id)) });
  }
  must.push(...(extra.must ?? []));
  return {
    must,
    ...(mustNot.length > 0 ? { must_not: mustNot } : {}),
    ...(extra.should !== undefined && extra.should.length > 0 ? { should: extra.should } : {}),
  };
}

/** Filter over a user's version points, optionally for some memory ids. */
export function versionFilter(userId: string, memoryIds?: string[], pointIds?: string[]): QdrantFilter {
  const must: QdrantCondition[] = [{ key: 'kind', match: { value: 'version' } }];
  if (memoryIds !== undefined) must.push({ key: 'memoryId', match: { any: memoryIds } });
  if (pointIds !== undefined) must.push({ has_id: pointIds });
  return scopedFilter({ userId, includeSuperseded: true }, { must });
}

/** Filter for the meta point in the history collection (system tenant). */
export function metaFilter(): QdrantFilter {
  return scopedFilter(
    { userId: SYSTEM_TENANT, includeSuperseded: true },
    { must: [{ key: 'kind', match: { value: 'meta' } }] },
  );
}

/**
 * The ownership probe: points with these memory ids that belong to ANOTHER user. It is
 * only ever used with `count` (a number, never payload), and it still names the user (in
 * must_not), so ids stay globally unique without reading across tenants.
 */
export function foreignFilter(userId: string, ids: string[]): QdrantFilter {
  return {
    must: [{ has_id: ids.map((id) => memoryPointId(id)) }],
    must_not: [{ key: 'userId', match: { value: userId } }],
  };
}
