/**
 * Point endpoints of the fake Qdrant server: upsert, scroll (id-ordered pages with
 * next_page_offset, or order_by on a payload key), query (cosine on a named vector),
 * count, delete, batch (upsert / delete / set_payload). Payload and vector selection
 * follow Qdrant's with_payload / with_vector forms.
 */
import { type FakePoint, matchesFilter, valuesAt } from './fake-filter.ts';
import type { FakeCollection } from './fake-model.ts';

type Json = Record<string, unknown>;

class FakeHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function toPoint(raw: Json): FakePoint {
  const vector = raw.vector;
  const vectors: Record<string, number[]> = {};
  if (Array.isArray(vector)) vectors[''] = vector as number[];
  else if (vector !== null && typeof vector === 'object') Object.assign(vectors, vector);
  return { id: String(raw.id), payload: structuredClone((raw.payload ?? {}) as Json), vectors };
}

function project(point: FakePoint, withPayload: unknown, withVector: unknown): Json {
  const out: Json = { id: point.id };
  if (withPayload === true || withPayload === undefined) out.payload = structuredClone(point.payload);
  else if (Array.isArray(withPayload)) {
    out.payload = Object.fromEntries(
      withPayload.filter((key) => key in point.payload).map((key) => [key, point.payload[key]]),
    );
  }
  if (withVector === true) out.vector = { ...point.vectors };
  else if (Array.isArray(withVector)) {
    out.vector = Object.fromEntries(
      withVector.filter((name) => name in point.vectors).map((name) => [name, point.vectors[name]]),
    );
  }
  return out;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * (b[i] ?? 0);
    na += a[i]! * a[i]!;
    nb += (b[i] ?? 0) * (b[i] ?? 0);
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

function sortValue(point: FakePoint, key: string): number {
  const value = valuesAt(point.payload, key)[0];
  return typeof value === 'number' ? value : Date.parse(String(value));
}

function filtered(collection: FakeCollection, filter: unknown): FakePoint[] {
  return [...collection.points.values()].filter((point) => matchesFilter(point, filter as Json | undefined));
}

function scroll(collection: FakeCollection, json: Json) {
  const limit = Number(json.limit ?? 10);
  let points = filtered(collection, json.filter);
  const orderBy = json.order_by as Json | string | undefined;
  if (orderBy !== undefined) {
    const key = typeof orderBy === 'string' ? orderBy : String(orderBy.key);
    const desc = typeof orderBy === 'object' && orderBy.direction === 'desc';
    points.sort((a, b) => (sortValue(a, key) - sortValue(b, key)) * (desc ? -1 : 1));
    return {
      points: points.slice(0, limit).map((p) => project(p, json.with_payload, json.with_vector)),
      next_page_offset: null,
    };
  }
  points.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  if (json.offset !== undefined && json.offset !== null)
    points = points.filter((p) => p.id >= String(json.offset));
  return {
    points: points.slice(0, limit).map((p) => project(p, json.with_payload, json.with_vector)),
    next_page_offset: points[limit]?.id ?? null,
  };
}

function query(collection: FakeCollection, json: Json) {
  const vector = json.query as number[];
  const using = String(json.using ?? '');
  const scored = filtered(collection, json.filter)
    .filter((point) => point.vectors[using] !== undefined)
    .map((point) => ({ point, score: cosine(vector, point.vectors[using]!) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, Number(json.limit ?? 10));
  return {
    points: scored.map(({ point, score }) => ({
      ...project(point, json.with_payload, json.with_vector),
      version: 0,
      score,
    })),
  };
}

function selected(collection: FakeCollection, selector: Json): FakePoint[] {
  if (Array.isArray(selector.points)) {
    return selector.points.flatMap((id) => collection.points.get(String(id)) ?? []);
  }
  return filtered(collection, selector.filter);
}

function applyOperation(collection: FakeCollection, operation: Json): void {
  if (operation.upsert !== undefined) {
    for (const raw of (operation.upsert as Json).points as Json[])
      collection.points.set(String(raw.id), toPoint(raw));
  } else if (operation.delete !== undefined) {
    for (const point of selected(collection, operation.delete as Json)) collection.points.delete(point.id);
  } else if (operation.set_payload !== undefined) {
    const spec = operation.set_payload as Json;
    for (const point of selected(collection, spec))
      Object.assign(point.payload, structuredClone(spec.payload));
  } else {
    throw new FakeHttpError(
      400,
      `fake qdrant: unsupported batch operation ${Object.keys(operation).join(',')}`,
    );
  }
}

export function handlePoints(collection: FakeCollection, method: string, rest: string, json: Json): unknown {
  const ack = { operation_id: 0, status: 'completed' };
  if (rest === '/points' && method === 'PUT') {
    for (const raw of json.points as Json[]) collection.points.set(String(raw.id), toPoint(raw));
    return ack;
  }
  if (rest === '/points/scroll' && method === 'POST') return scroll(collection, json);
  if (rest === '/points/query' && method === 'POST') return query(collection, json);
  if (rest === '/points/count' && method === 'POST')
    return { count: filtered(collection, json.filter).length };
  if (rest === '/points/delete' && method === 'POST') {
    for (const point of selected(collection, json)) collection.points.delete(point.id);
    return ack;
  }
  if (rest === '/points/batch' && method === 'POST') {
    for (const operation of json.operations as Json[]) applyOperation(collection, operation);
    return (json.operations as Json[]).map(() => ack);
  }
  if (rest === '/points/payload' && method === 'POST') {
    applyOperation(collection, { set_payload: json });
    return ack;
  }
  throw new FakeHttpError(404, `fake qdrant: no route for ${method} ${rest}`);
}

export { FakeHttpError };
