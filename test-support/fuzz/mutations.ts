/**
 * Mutations of a well-formed request value, the hostile half of route fuzzing: a field of
 * the wrong type, a field left out, fields no schema names (prototype keys among them), a
 * huge string, deep nesting and long arrays, and ids in scripts and code points that look
 * alike, reorder text or are not text at all (bidi overrides, controls, lone surrogates).
 * Each mutation picks the place it changes from the value's own paths, so nested fields
 * (a message's id, a source's chatId) are reached as often as top-level ones.
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = Array<string | number>;

/** Strings that must never pass as somebody's id, or must be refused without a 5xx when they do not. */
export const HOSTILE_IDS = [
  'ali\u202ece', // right-to-left override
  '\u2066alice\u2069', // isolates
  'al\u200fice', // right-to-left mark
  'alice\ud800', // lone high surrogate
  '\udc00alice', // lone low surrogate
  'ali\u0000ce', // NUL
  'ali\u0085ce', // C1 control (NEL)
  'alice\n',
  ' alice',
  'alice ',
  'аlice', // Cyrillic а
  'ＡＬＩＣＥ', // full-width
  'a\u0301lice', // combining accent
  '../../etc/passwd',
  '%2e%2e%2f',
  '$' + '{jndi:ldap://x}', // log4j-style lookup
  "'; DROP TABLE memories; --",
  '<script>alert(1)</script>',
  '😀'.repeat(64),
  'x'.repeat(300),
  '',
  '\ufeff',
  '\uffff',
];

const WRONG_VALUES: Json[] = [
  null,
  true,
  0,
  -1,
  1e308,
  -0.5,
  '',
  'not-a-date',
  [],
  [null],
  {},
  { $gt: '' },
  '1970-01-01T00:00:00Z',
  '9999-99-99',
];

const EXTRA_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'admin',
  'userId',
  'id',
  '$where',
  'toString',
  '',
];

/** Every path into a JSON value (objects' keys and arrays' indexes), the root excluded. */
export function pathsOf(value: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      out.push([...prefix, index]);
      pathsOf(item, [...prefix, index], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      out.push([...prefix, key]);
      pathsOf(item, [...prefix, key], out);
    }
  }
  return out;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Replaces (or, with `undefined`, deletes) the value at `path`; the root is replaced by returning. */
function setAt(root: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const copy = clone(root) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  const last = path[path.length - 1] as string | number;
  if (next === undefined) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else {
    // defineProperty so a "__proto__" key becomes an own property, as JSON.parse makes it.
    Object.defineProperty(node, last, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

function containers(value: unknown): Path[] {
  const all: Path[] = [[], ...pathsOf(value)];
  return all.filter((path) => {
    const node = path.reduce<unknown>((n, step) => (n as Record<string | number, unknown>)[step], value);
    return node !== null && typeof node === 'object' && !Array.isArray(node);
  });
}

const pick = <T>(items: T[]): fc.Arbitrary<T | undefined> =>
  items.length === 0 ? fc.constant(undefined) : fc.constantFrom(...items);

/** Nesting `depth` levels deep, arrays or objects. */
export function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

export type MutationKind =
  | 'wrongType'
  | 'missingField'
  | 'extraField'
  | 'hugeString'
  | 'deepNesting'
  | 'hostileId';

export const MUTATION_KINDS: MutationKind[] = [
  'wrongType',
  'missingField',
  'extraField',
  'hugeString',
  'deepNesting',
  'hostileId',
];

/**
 * A mutated copy of `value` as the JSON text to send: deep nesting and long arrays are
 * spliced in as text (a parsed value that deep would be the test's own stack problem).
 */
export function mutate(
  kind: MutationKind,
  value: unknown,
  idKeys: ReadonlySet<string>,
): fc.Arbitrary<string> {
  const paths = pathsOf(value);
  const json = (v: unknown) => JSON.stringify(v) ?? 'null';
  switch (kind) {
    case 'wrongType':
      return fc
        .tuple(pick([[], ...paths]), fc.constantFrom(...WRONG_VALUES))
        .map(([path, wrong]) => json(setAt(value, path ?? [], wrong)));
    case 'missingField':
      return pick(paths).map((path) => json(path ? setAt(value, path, undefined) : value));
    case 'extraField':
      return fc
        .tuple(pick(containers(value)), fc.constantFrom(...EXTRA_KEYS), fc.jsonValue({ maxDepth: 2 }))
        .map(([path, key, extra]) => json(setAt(value, [...(path ?? []), key], extra)));
    case 'hugeString':
      // 64 KB to past the 1 MB body limit, of ASCII, multi-byte text or escapes.
      return fc
        .tuple(
          pick([[], ...paths]),
          fc.constantFrom(65_536, 300_000, 1_100_000),
          fc.constantFrom('x', 'é', '😀', '\\', '"', '\u0000'),
        )
        .map(([path, size, unit]) =>
          json(setAt(value, path ?? [], unit.repeat(Math.ceil(size / unit.length)))),
        );
    case 'deepNesting':
      return fc
        .tuple(
          pick([[], ...paths]),
          fc.constantFrom(63, 65, 1_000, 10_000),
          fc.constantFrom<'array' | 'object' | 'wide'>('array', 'object', 'wide'),
        )
        .map(([path, depth, shape]) => {
          const marker = '"\u0001NEST\u0001"';
          const spliced = json(setAt(value, path ?? [], '\u0001NEST\u0001'));
          const inner = shape === 'wide' ? `[${'0,'.repeat(depth * 10)}0]` : nested(depth, shape);
          return spliced.replace(marker, inner);
        });
    case 'hostileId': {
      const idPaths = paths.filter((path) => idKeys.has(String(path[path.length - 1])));
      return fc
        .tuple(pick(idPaths.length > 0 ? idPaths : [['userId']]), fc.constantFrom(...HOSTILE_IDS))
        .map(([path, id]) => json(setAt(value, path ?? ['userId'], id)));
    }
  }
}
