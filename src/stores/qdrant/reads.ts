/**
 * The store's read operations over a prepared QdrantScope. Every request filter comes from
 * filters.ts (user condition first). list() keeps the (createdAt, id) order of the other
 * stores with Qdrant's `order_by` on the datetime index plus explicit handling of
 * createdAt ties at page boundaries; vector scores are Qdrant's cosine similarity.
 */
import { ValidationError } from '../../errors.ts';
import type { KeywordQuery } from '../../text/query-ast.ts';
import type { Memory, MemoryVersion, Page } from '../../types.ts';
import { compareCreated, decodeCursor, encodeCursor } from '../shared/cursor.ts';
import { stableJson } from '../shared/filter.ts';
import type { ScoredId, StoreFilter } from '../types.ts';
import { type QdrantCondition, residualMetadata, scopedFilter, versionFilter } from './filters.ts';
import { bm25, candidateCondition, matchCandidates, type TokenMapping } from './keyword.ts';
import { VECTOR_NAME, vectorFromPoint } from './payload.ts';
import {
  countPoints,
  fetchMemoryPoints,
  inParallel,
  type QdrantScope,
  type RawPoint,
  scrollAll,
} from './points.ts';

/** Keyword candidates fetched per query at most; beyond it the lowest point ids are dropped. */
export const MAX_KEYWORD_CANDIDATES = 20_000;

/**
 * The part of a filter Qdrant evaluates: everything but metadata Qdrant cannot compare,
 * and no metadata at all when it is encrypted (it is not in the payload in clear then).
 */
function serverSide(scope: QdrantScope, filter: StoreFilter): StoreFilter {
  if (!scope.codec.encrypted) return filter;
  const { metadata: _metadata, ...rest } = filter;
  return rest;
}

function residualEntries(scope: QdrantScope, filter: StoreFilter): Array<[string, unknown]> {
  return scope.codec.encrypted ? Object.entries(filter.metadata ?? {}) : residualMetadata(filter);
}

function residualCheck(scope: QdrantScope, filter: StoreFilter): (metadata: unknown) => boolean {
  const residual = residualEntries(scope, filter).map(([key, value]) => [key, stableJson(value)] as const);
  return (metadata) => {
    const record = (metadata ?? {}) as Record<string, unknown>;
    return residual.every(
      ([key, expected]) => Object.hasOwn(record, key) && stableJson(record[key]) === expected,
    );
  };
}

const byScore = (a: ScoredId, b: ScoredId) => b.score - a.score || (a.id < b.id ? -1 : 1);

export async function getMany(scope: QdrantScope, userId: string, ids: string[]): Promise<Memory[]> {
  const points = await fetchMemoryPoints(scope, userId, [...new Set(ids)]);
  return points.map((point) => scope.codec.memory(point)).filter((memory) => memory.userId === userId);
}

export async function getVectors(
  scope: QdrantScope,
  userId: string,
  ids: string[],
): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const point of await fetchMemoryPoints(scope, userId, [...new Set(ids)], true)) {
    const vector = vectorFromPoint(point);
    if (vector !== null) out.set(String(point.payload?.memoryId), vector);
  }
  return out;
}

export async function history(scope: QdrantScope, userId: string, id: string): Promise<MemoryVersion[]> {
  const points = await scrollAll(scope, scope.history, versionFilter(userId, [id]));
  return points.map((point) => scope.codec.version(point)).sort((a, b) => a.version - b.version);
}

async function orderedPage(scope: QdrantScope, filter: StoreFilter, extra: QdrantCondition[], limit: number) {
  const result = await scope.conn.call('scroll points', (client) =>
    client.scroll(scope.memories, {
      filter: scopedFilter(serverSide(scope, filter), { must: extra }),
      limit,
      with_payload: true,
      with_vector: false,
      order_by: { key: 'createdAt', direction: 'asc' },
    }),
  );
  return result.points.map((point) => scope.codec.memory(point));
}

const at = (createdAt: string): QdrantCondition => ({
  key: 'createdAt',
  range: { gte: createdAt, lte: createdAt },
});

export async function list(
  scope: QdrantScope,
  filter: StoreFilter,
  page: { limit: number; cursor?: string },
): Promise<Page<Memory>> {
  if (!Number.isInteger(page.limit) || page.limit < 1)
    throw new ValidationError('limit must be a positive integer.');
  const after = page.cursor === undefined ? null : decodeCursor(page.cursor);
  const keep = residualCheck(scope, filter);
  let rows: Memory[];
  if (residualEntries(scope, filter).length > 0) {
    // Object/array metadata equality has no Qdrant condition: filter the user's scope in process.
    const points = await scrollAll(scope, scope.memories, scopedFilter(serverSide(scope, filter)));
    rows = points.map((point) => scope.codec.memory(point));
  } else {
    rows = [];
    // Rows sharing the cursor's createdAt but with a larger id come first...
    if (after !== null) rows.push(...(await orderedPage(scope, filter, [at(after.createdAt)], 10_000)));
    const later: QdrantCondition[] =
      after === null ? [] : [{ key: 'createdAt', range: { gt: after.createdAt } }];
    const next = await orderedPage(scope, filter, later, page.limit + 1);
    rows.push(...next);
    // ...and a page that ends inside a group of equal createdAt gets the whole group, so
    // the (createdAt, id) order holds across the boundary.
    const boundary = next.at(-1);
    if (next.length > page.limit && boundary !== undefined) {
      rows.push(...(await orderedPage(scope, filter, [at(boundary.createdAt)], 10_000)));
    }
  }
  const seen = new Set<string>();
  const sorted = rows
    .filter((memory) => !seen.has(memory.id) && seen.add(memory.id) && keep(memory.metadata))
    .filter((memory) => after === null || compareCreated(memory, after) > 0)
    .sort(compareCreated);
  const items = sorted.slice(0, page.limit);
  const last = items.at(-1);
  return { items, nextCursor: sorted.length > page.limit && last !== undefined ? encodeCursor(last) : null };
}

export async function vectorSearch(
  scope: QdrantScope,
  filter: StoreFilter,
  vector: Float32Array,
  k: number,
): Promise<ScoredId[]> {
  if (vector.length !== scope.model.dimensions) {
    throw new ValidationError(
      `Query vector has ${vector.length} dimensions; the store's model "${scope.model.id}" makes ${scope.model.dimensions}.`,
    );
  }
  if (k <= 0) return [];
  const residual = residualEntries(scope, filter).length > 0;
  const keep = residualCheck(scope, filter);
  const fields = scope.codec.encrypted ? ['memoryId', 'sealed', 'keyId'] : ['memoryId', 'metadata'];
  const result = await scope.conn.call('query points', (client) =>
    client.query(scope.memories, {
      query: Array.from(vector),
      using: VECTOR_NAME,
      filter: scopedFilter(serverSide(scope, filter)),
      limit: residual ? k * 5 + 20 : k,
      with_payload: residual ? fields : ['memoryId'],
      with_vector: false,
    }),
  );
  return result.points
    .filter((point) => !residual || keep(scope.codec.metadata(point)))
    .map((point) => ({ id: String(point.payload?.memoryId), score: point.score }))
    .sort(byScore)
    .slice(0, k);
}

function termsOf(point: RawPoint): string[] {
  const terms = point.payload?.terms;
  return typeof terms === 'string' && terms.length > 0 ? terms.split(' ') : [];
}

export async function keywordSearch(
  scope: QdrantScope,
  filter: StoreFilter,
  query: KeywordQuery,
  k: number,
): Promise<ScoredId[]> {
  if (query.ast === null || k <= 0) return [];
  const mapping: TokenMapping = {
    token: (stem) => scope.codec.token(filter.userId, stem),
    exactOnly: scope.codec.encrypted,
  };
  const candidates = candidateCondition(query.ast, mapping);
  if (candidates.kind === 'none') return [];
  const extra = candidates.kind === 'where' ? { must: [candidates.condition] } : {};
  const residual = residualEntries(scope, filter).length > 0;
  const keep = residualCheck(scope, filter);
  const scoped = serverSide(scope, filter);
  const fields = scope.codec.encrypted
    ? ['memoryId', 'terms', 'sealed', 'keyId']
    : ['memoryId', 'terms', 'metadata'];
  const points = await scrollAll(scope, scope.memories, scopedFilter(scoped, extra), {
    withPayload: residual ? fields : ['memoryId', 'terms'],
    max: MAX_KEYWORD_CANDIDATES,
    // Candidates carry small payloads (id and tokens): fetch them in few, large pages.
    pageSize: 2_000,
  });
  const docs = points
    .filter((point) => !residual || keep(scope.codec.metadata(point)))
    .map((point) => ({ id: String(point.payload?.memoryId), tokens: termsOf(point) }));
  const matches = matchCandidates(query.ast, docs, mapping);
  if (matches.length === 0) return [];
  // Corpus statistics over the user's filtered scope, as the other stores compute them.
  const total = await countPoints(scope, scope.memories, scopedFilter(scoped));
  const tokens = [...new Set(matches.flatMap((match) => [...match.hits.keys()]))];
  const docFreq = new Map<string, number>();
  await inParallel(tokens, scope.parallelism * 2, async (token) => {
    const condition: QdrantCondition = { key: 'terms', match: { text: token } };
    docFreq.set(token, await countPoints(scope, scope.memories, scopedFilter(scoped, { must: [condition] })));
  });
  const avgLength = docs.reduce((sum, doc) => sum + doc.tokens.length, 0) / docs.length;
  return bm25(matches, total, docFreq, avgLength).sort(byScore).slice(0, k);
}
