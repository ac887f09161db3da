/**
 * Filter evaluation for the fake Qdrant server: the subset of Qdrant's filter language the
 * store sends (must / should / must_not, nested filters, match value/any/except/text,
 * datetime and number ranges, is_null, is_empty, has_id), with Qdrant's semantics for
 * array payload values (a condition matches if any element matches).
 */

type Json = Record<string, unknown>;

export interface FakePoint {
  id: string;
  payload: Json;
  vectors: Record<string, number[]>;
}

/** Splits a Qdrant key path: a.b."c.d" → [a, b, c.d]. */
export function keyPath(key: string): string[] {
  const parts: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|([^.]+)/g;
  for (const match of key.matchAll(pattern)) {
    parts.push(match[1] !== undefined ? (JSON.parse(`"${match[1]}"`) as string) : match[2]!);
  }
  return parts;
}

export function valuesAt(payload: Json, key: string): unknown[] {
  let current: unknown[] = [payload];
  for (const part of keyPath(key)) {
    const next: unknown[] = [];
    for (const value of current) {
      if (
        value !== null &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.hasOwn(value, part)
      ) {
        next.push((value as Json)[part]);
      }
    }
    current = next;
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

function rangeValue(value: unknown): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function inRange(value: unknown, range: Json): boolean {
  const v = rangeValue(value);
  if (v === null) return false;
  const bound = (name: string) =>
    range[name] === undefined || range[name] === null ? null : rangeValue(range[name]);
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (
    (gt === null || v > gt) &&
    (gte === null || v >= gte) &&
    (lt === null || v < lt) &&
    (lte === null || v <= lte)
  );
}

function textTokens(value: unknown): string[] {
  return typeof value === 'string' ? value.split(/\s+/).filter((token) => token.length > 0) : [];
}

function matchValue(values: unknown[], match: Json): boolean {
  if ('value' in match) return values.some((value) => value === match.value);
  if ('any' in match) return values.some((value) => (match.any as unknown[]).includes(value));
  if ('except' in match) return values.every((value) => !(match.except as unknown[]).includes(value));
  if ('text' in match) {
    const wanted = textTokens(match.text);
    return values.some((value) => {
      const tokens = new Set(textTokens(value));
      return wanted.every((token) => tokens.has(token));
    });
  }
  throw new Error(`fake qdrant: unsupported match ${JSON.stringify(match)}`);
}

function asList(value: unknown): Json[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Json[];
}

function condition(point: FakePoint, cond: Json): boolean {
  if ('must' in cond || 'should' in cond || 'must_not' in cond) return matchesFilter(point, cond);
  if ('has_id' in cond) return (cond.has_id as unknown[]).map(String).includes(point.id);
  if ('is_null' in cond) {
    const key = String((cond.is_null as Json).key);
    const parent = valuesAt(point.payload, key);
    return parent.length === 1 && parent[0] === null;
  }
  if ('is_empty' in cond) {
    const values = valuesAt(point.payload, String((cond.is_empty as Json).key));
    return values.length === 0 || values.every((value) => value === null);
  }
  if ('key' in cond) {
    const values = valuesAt(point.payload, String(cond.key)).filter((value) => value !== null);
    if (cond.match !== undefined && cond.match !== null) return matchValue(values, cond.match as Json);
    if (cond.range !== undefined && cond.range !== null)
      return values.some((v) => inRange(v, cond.range as Json));
  }
  throw new Error(`fake qdrant: unsupported condition ${JSON.stringify(cond)}`);
}

export function matchesFilter(point: FakePoint, filter: Json | null | undefined): boolean {
  if (filter === null || filter === undefined) return true;
  if (!asList(filter.must).every((c) => condition(point, c))) return false;
  const should = asList(filter.should);
  if (should.length > 0 && !should.some((c) => condition(point, c))) return false;
  return !asList(filter.must_not).some((c) => condition(point, c));
}

/** Every userId the filter requires at its top level (must), for the tenant check. */
export function requiredUsers(filter: Json | null | undefined): string[] {
  return asList(filter?.must).flatMap((cond) => {
    const match = cond.match as Json | undefined;
    return cond.key === 'userId' && match !== undefined && typeof match.value === 'string'
      ? [match.value]
      : [];
  });
}

/** Users excluded at the top level (must_not): the ownership probe's form. */
export function excludedUsers(filter: Json | null | undefined): string[] {
  return asList(filter?.must_not).flatMap((cond) => {
    const match = cond.match as Json | undefined;
    return cond.key === 'userId' && match !== undefined && typeof match.value === 'string'
      ? [match.value]
      : [];
  });
}
