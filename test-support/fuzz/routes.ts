/**
 * Every HTTP route of `strata serve` with the zod schemas of what it takes (body, query,
 * path parameters), and a fast-check arbitrary of requests to it: well-formed ones drawn
 * from those schemas, and hostile ones (mutations.ts, wrong content types, malformed JSON,
 * bad keys, hostile path segments and query values). Requests act as alice (her bound key)
 * or as the admin, and the admin never names bob or his memories, so whatever the run does,
 * bob's stored data must come out unchanged.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { MCP_TOOL_INPUTS } from '../../src/integrations/mcp/server.ts';
import {
  InletBodySchema,
  OutletBodySchema,
  OwuiUserSchema,
} from '../../src/integrations/open-webui/protocol.ts';
import { valvesSchema } from '../../src/integrations/open-webui/valves.ts';
import { ListParamsSchema, RollbackSchema } from '../../src/server/routes/memories.ts';
import {
  ChatMessageSchema,
  FeedbackInputSchema,
  IsoDateSchema,
  LAYERS,
  MemoryIdSchema,
  MemoryInputSchema,
  MemoryPatchSchema,
  MemorySchema,
  RecallRequestSchema,
  SearchQuerySchema,
  TurnSchema,
  UserIdSchema,
} from '../../src/types.ts';
import { HOSTILE_IDS, MUTATION_KINDS, type MutationKind, mutate } from './mutations.ts';
import { arbitraryOf, type Overrides } from './zod-arbitrary.ts';

export type Param = 'memoryId' | 'userId' | 'filterId';

export interface RouteSpec {
  method: string;
  /** The path as the app registers it (`/v1/memories/:id`). */
  pattern: string;
  params?: Record<string, Param>;
  /** Query parameters (sent as strings). */
  query?: z.ZodObject;
  /** A JSON body. */
  body?: z.ZodType;
  /** An NDJSON body, one value of this schema a line. */
  ndjson?: z.ZodType;
  /** A JSON-RPC body (MCP). */
  rpc?: true;
  headers?: Record<string, string>;
}

const UserQuery = z.object({ userId: UserIdSchema.optional() });
const ChatCompletionSchema = z
  .object({
    model: z.string(),
    messages: z.array(ChatMessageSchema).min(1),
    stream: z.boolean().optional(),
    user: UserIdSchema.optional(),
  })
  .passthrough();
const ImportLineSchema = MemorySchema.extend({ kind: z.literal('memory') });
const envelope = (body: z.ZodType) => z.object({ user: OwuiUserSchema.optional(), body });
const VALVES = valvesSchema({ maxTokens: 800 }, true);
const MCP_ACCEPT = { accept: 'application/json, text/event-stream' };

const memoryRoutes: RouteSpec[] = [
  { method: 'POST', pattern: '/v1/memories', body: MemoryInputSchema },
  { method: 'GET', pattern: '/v1/memories', query: ListParamsSchema.extend(UserQuery.shape) },
  { method: 'GET', pattern: '/v1/memories/:id', params: { id: 'memoryId' }, query: UserQuery },
  {
    method: 'PATCH',
    pattern: '/v1/memories/:id',
    params: { id: 'memoryId' },
    query: UserQuery,
    body: MemoryPatchSchema,
  },
  { method: 'DELETE', pattern: '/v1/memories/:id', params: { id: 'memoryId' }, query: UserQuery },
  { method: 'GET', pattern: '/v1/memories/:id/history', params: { id: 'memoryId' }, query: UserQuery },
  {
    method: 'POST',
    pattern: '/v1/memories/:id/rollback',
    params: { id: 'memoryId' },
    query: UserQuery,
    body: RollbackSchema,
  },
];

const coreRoutes: RouteSpec[] = [
  ...memoryRoutes,
  { method: 'POST', pattern: '/v1/search', body: SearchQuerySchema },
  { method: 'POST', pattern: '/v1/turns', body: TurnSchema },
  { method: 'POST', pattern: '/v1/recall', body: RecallRequestSchema },
  { method: 'POST', pattern: '/v1/explain', body: RecallRequestSchema },
  { method: 'POST', pattern: '/v1/feedback', body: FeedbackInputSchema },
  {
    method: 'GET',
    pattern: '/v1/export',
    query: UserQuery.extend({ includeHistory: z.enum(['true', 'false']).optional() }),
  },
  { method: 'POST', pattern: '/v1/import', query: UserQuery, ndjson: ImportLineSchema },
  { method: 'DELETE', pattern: '/v1/users/:userId', params: { userId: 'userId' } },
  // The inspector's views (read-only; the page's own assets are key-free).
  { method: 'GET', pattern: '/v1/whoami' },
  { method: 'GET', pattern: '/v1/users' },
  { method: 'GET', pattern: '/v1/stats', query: UserQuery },
  {
    method: 'GET',
    pattern: '/v1/timeline',
    query: UserQuery.extend({
      layer: z.string().optional(),
      since: z.string().optional(),
      until: z.string().optional(),
      timeZone: z.string().optional(),
      buckets: z.string().optional(),
    }),
  },
  { method: 'GET', pattern: '/v1/emotions', query: UserQuery },
  { method: 'GET', pattern: '/v1/memories/:id/graph', params: { id: 'memoryId' }, query: UserQuery },
  { method: 'GET', pattern: '/v1/media/:id', params: { id: 'memoryId' }, query: UserQuery },
  { method: 'GET', pattern: '/ui' },
  { method: 'GET', pattern: '/ui/' },
  { method: 'GET', pattern: '/ui/assets/:name', params: { name: 'filterId' } },
  // Sync between instances (peer keys; here alice and the admin, who must be refused or limited).
  { method: 'GET', pattern: '/v1/sync/hello', query: z.object({ nonce: z.string().optional() }) },
  {
    method: 'GET',
    pattern: '/v1/sync/log',
    query: z.object({
      user: z.string().optional(),
      after: z.string().optional(),
      limit: z.string().optional(),
    }),
  },
  {
    method: 'POST',
    pattern: '/v1/sync/log',
    body: z.object({ user: z.string(), entries: z.array(z.unknown()), keys: z.unknown().optional() }),
  },
  { method: 'GET', pattern: '/v1/sync/heads', query: z.object({ user: z.string().optional() }) },
  { method: 'GET', pattern: '/v1/sync/status', query: z.object({ user: z.string().optional() }) },
  { method: 'GET', pattern: '/healthz' },
  { method: 'GET', pattern: '/readyz' },
  { method: 'GET', pattern: '/metrics' },
  { method: 'GET', pattern: '/openapi.json' },
];

const integrationRoutes: RouteSpec[] = [
  { method: 'POST', pattern: '/mcp', rpc: true, headers: MCP_ACCEPT },
  { method: 'GET', pattern: '/mcp', headers: MCP_ACCEPT },
  { method: 'DELETE', pattern: '/mcp', headers: MCP_ACCEPT },
  { method: 'GET', pattern: '/v1/models' },
  { method: 'POST', pattern: '/v1/chat/completions', body: ChatCompletionSchema },
  { method: 'GET', pattern: '/models' },
  { method: 'GET', pattern: '/pipelines' },
  { method: 'GET', pattern: '/v1/pipelines' },
  ...['', '/v1'].flatMap((prefix): RouteSpec[] => [
    {
      method: 'POST',
      pattern: `${prefix}/:id/filter/inlet`,
      params: { id: 'filterId' },
      body: envelope(InletBodySchema),
    },
    {
      method: 'POST',
      pattern: `${prefix}/:id/filter/outlet`,
      params: { id: 'filterId' },
      body: envelope(OutletBodySchema),
    },
    { method: 'GET', pattern: `${prefix}/:id/valves/spec`, params: { id: 'filterId' } },
    { method: 'GET', pattern: `${prefix}/:id/valves`, params: { id: 'filterId' } },
    { method: 'POST', pattern: `${prefix}/:id/valves/update`, params: { id: 'filterId' }, body: VALVES },
  ]),
];

/** Every route the server mounts (the fuzz test checks this against the app's own route list). */
export const ROUTES: RouteSpec[] = [...coreRoutes, ...integrationRoutes];

export type Actor = 'alice' | 'admin';

/** What requests may name: users and memory ids per actor (bob's only for alice, who must be refused). */
export interface Pools {
  users: Record<Actor, string[]>;
  memoryIds: Record<Actor, string[]>;
}

export type CaseKind =
  | 'valid'
  | MutationKind
  | 'contentType'
  | 'malformed'
  | 'auth'
  | 'hostilePath'
  | 'hostileQuery';

interface BodyCase {
  text: string | Uint8Array | undefined;
  type: string | undefined;
}

export interface FuzzRequest {
  kind: CaseKind;
  actor: Actor;
  method: string;
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

const isoDate = fc.oneof(
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc
    .date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
);

function overridesFor(actor: Actor, pools: Pools): Overrides {
  const user = fc.constantFrom(...pools.users[actor]);
  const memoryId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pools.memoryIds[actor]) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) },
  );
  return new Map<z.ZodType, fc.Arbitrary<unknown>>([
    [UserIdSchema, user],
    [OwuiUserSchema.shape.id, user],
    [MCP_TOOL_INPUTS.remember.userId, user],
    [MemoryIdSchema, memoryId],
    [MCP_TOOL_INPUTS.forget.id, memoryId],
    [IsoDateSchema, isoDate],
    [
      ChatMessageSchema.shape.content,
      fc.oneof(fc.lorem({ maxCount: 12 }), arbitraryOf(ChatMessageSchema.shape.content)),
    ],
  ]);
}

const MCP_METHODS = [
  'tools/call',
  'tools/call',
  'tools/call',
  'tools/list',
  'initialize',
  'ping',
  'resources/list',
  'no/such',
];

function rpcOf(overrides: Overrides): fc.Arbitrary<unknown> {
  const tools = Object.entries(MCP_TOOL_INPUTS).map(([name, shape]) =>
    arbitraryOf(z.object(shape), overrides).map((args) => ({ name, arguments: args })),
  );
  const params = (method: string) => {
    if (method === 'tools/call')
      return fc.oneof(...tools, fc.constant({ name: 'no_such_tool', arguments: {} }));
    if (method === 'initialize') {
      return fc.constant({
        protocolVersion: '2025-03-26',
        capabilities: {},
        clientInfo: { name: 'fuzz', version: '1' },
      });
    }
    return fc.constant({});
  };
  return fc
    .tuple(
      fc.constantFrom(...MCP_METHODS),
      fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: undefined, freq: 8 }),
    )
    .chain(([method, id]) =>
      params(method).map((p) => ({ jsonrpc: '2.0', ...(id === undefined ? {} : { id }), method, params: p })),
    );
}

/** Well-formed JSON text of the body, or undefined for a bodiless route. */
function validValue(route: RouteSpec, overrides: Overrides): fc.Arbitrary<unknown> {
  if (route.rpc) return rpcOf(overrides);
  if (route.ndjson) return fc.array(arbitraryOf(route.ndjson, overrides), { minLength: 1, maxLength: 3 });
  if (route.body) return arbitraryOf(route.body, overrides);
  return fc.constant(undefined);
}

const ID_KEYS = new Set([
  'userId',
  'id',
  'chatId',
  'messageId',
  'chat_id',
  'message_id',
  'session_id',
  'turnId',
  'user',
]);

function bodyText(route: RouteSpec, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (route.ndjson) return (value as unknown[]).map((line) => JSON.stringify(line)).join('\n');
  return JSON.stringify(value);
}

function mutatedText(route: RouteSpec, kind: MutationKind, value: unknown): fc.Arbitrary<string> {
  if (!route.ndjson) return mutate(kind, value, ID_KEYS);
  // NDJSON: one line is mutated, the others are left as they were.
  const lines = value as unknown[];
  return fc
    .nat({ max: lines.length - 1 })
    .chain((index) =>
      mutate(kind, lines[index], ID_KEYS).map((line) =>
        lines.map((other, i) => (i === index ? line : JSON.stringify(other))).join('\n'),
      ),
    );
}

/** Percent-encodes a path segment or query value; a lone surrogate becomes the bytes of its code unit (invalid UTF-8). */
export function encodeSegment(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      out += Buffer.from([0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)])
        .toString('hex')
        .replace(/(..)/g, '%$1')
        .toUpperCase();
    } else out += encodeURIComponent(ch);
  }
  return out;
}

const RAW_SEGMENTS = [
  '%',
  '%zz',
  '%2F',
  '..',
  '%2e%2e',
  '%00',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  `${'a'.repeat(20_000)}`,
];
const CONTENT_TYPES: Array<string | undefined> = [
  undefined,
  'text/plain',
  'text/plain;charset=UTF-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/vnd.api+json',
  'application/json, text/plain',
  '',
];
const MALFORMED: Array<string | Uint8Array> = [
  '',
  ' ',
  '{',
  '{"a":1}x',
  '[]',
  '123',
  'null',
  '"text"',
  'true',
  '\ufeff{}',
  '{"userId":"alice",}',
  '{"a":NaN}',
  '{"a":1e999999}',
  '{"a":1,"a":{"b":2}}',
  '{"a":"\\ud800"}',
  '{"a":"\\u00"}',
  Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
  Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  '{"jsonrpc":"2.0"',
];

/** The request for one case; keys: alice's bound key, the admin key. */
export function requestsOf(
  route: RouteSpec,
  pools: Pools,
  keys: Record<Actor, string>,
): fc.Arbitrary<FuzzRequest> {
  const hasBody = route.body !== undefined || route.ndjson !== undefined || route.rpc === true;
  const kinds: CaseKind[] = ['valid', 'valid', 'auth'];
  if (hasBody) kinds.push(...MUTATION_KINDS, 'contentType', 'malformed');
  if (route.params) kinds.push('hostilePath');
  if (route.query) kinds.push('hostileQuery');
  return fc
    .tuple(fc.constantFrom<Actor>('alice', 'alice', 'admin'), fc.constantFrom(...kinds))
    .chain(([actor, kind]) => {
      const overrides = overridesFor(actor, pools);
      const paramArb = (param: Param): fc.Arbitrary<string> => {
        if (kind === 'hostilePath') {
          return fc.oneof(
            fc.constantFrom(...HOSTILE_IDS).map(encodeSegment),
            fc.constantFrom(...RAW_SEGMENTS),
          );
        }
        if (param === 'userId') return fc.constantFrom(...pools.users[actor]).map(encodeSegment);
        if (param === 'memoryId') return fc.constantFrom(...pools.memoryIds[actor]).map(encodeSegment);
        return fc.constantFrom('strata', ...LAYERS.map((l) => `strata-${l}`), 'nope').map(encodeSegment);
      };
      const params = Object.entries(route.params ?? {});
      const path = fc
        .tuple(...params.map(([, p]) => paramArb(p)))
        .map((values) =>
          params.reduce((p, [name], i) => p.replace(`:${name}`, values[i] as string), route.pattern),
        );
      const query = route.query ? queryOf(route.query, overrides, kind === 'hostileQuery') : fc.constant('');
      const value = validValue(route, overrides);
      const body = value.chain<BodyCase>((v) => {
        const json = route.ndjson ? 'application/x-ndjson' : 'application/json';
        if (MUTATION_KINDS.includes(kind as MutationKind) && v !== undefined)
          return mutatedText(route, kind as MutationKind, v).map((text) => ({ text, type: json }));
        if (kind === 'contentType')
          return fc.constantFrom(...CONTENT_TYPES).map((type) => ({ text: bodyText(route, v), type }));
        if (kind === 'malformed') return fc.constantFrom(...MALFORMED).map((text) => ({ text, type: json }));
        return fc.constant({ text: bodyText(route, v), type: v === undefined ? undefined : json });
      });
      const auth =
        kind === 'auth'
          ? fc.constantFrom<string | undefined>(
              undefined,
              'Bearer wrong-key',
              `Basic ${keys.alice}`,
              `Bearer ${keys.alice}x`,
              'Bearer ',
              `Bearer ${'k'.repeat(9_000)}`,
            )
          : fc.constant(`Bearer ${keys[actor]}`);
      const extra =
        route.pattern === '/v1/chat/completions' && actor === 'admin'
          ? fc.option(fc.constantFrom(...pools.users.admin, ...HOSTILE_IDS).map(latin1Bytes), {
              nil: undefined,
            })
          : fc.constant(undefined);
      return fc.tuple(path, query, body, auth, extra).map(([p, q, b, a, strataUser]) => {
        const headers: Record<string, string> = { ...route.headers };
        if (a !== undefined) headers.authorization = a;
        if (b.type !== undefined) headers['content-type'] = b.type;
        if (strataUser !== undefined) headers['x-strata-user'] = strataUser;
        return {
          kind,
          actor,
          method: route.method,
          path: `${p}${q}`,
          headers,
          ...(b.text !== undefined
            ? { body: typeof b.text === 'string' ? Buffer.from(b.text) : b.text }
            : {}),
        };
      });
    });
}

/** A header value carrying UTF-8 bytes (fetch accepts only byte strings in headers). */
function latin1Bytes(value: string): string {
  return Buffer.from(value.replace(/[\u0000-\u001f\u007f]/g, ''), 'utf8').toString('latin1');
}

function queryOf(schema: z.ZodObject, overrides: Overrides, hostile: boolean): fc.Arbitrary<string> {
  const valid = arbitraryOf(schema, overrides) as fc.Arbitrary<Record<string, unknown>>;
  return valid.chain((params) => {
    const entries: Array<[string, string]> = Object.entries(params).map(([k, v]) => [k, String(v)]);
    const hostileEntries: fc.Arbitrary<Array<[string, string]>> = !hostile
      ? fc.constant(entries)
      : fc
          .tuple(
            fc.constantFrom(...Object.keys(schema.shape), 'unknown', '__proto__'),
            fc.oneof(
              fc.constantFrom(...HOSTILE_IDS, 'abc', '-1', '1e9', '0x10', 'NaN', ''),
              fc.constant('q'.repeat(12_000)),
            ),
            fc.boolean(),
          )
          .map(([key, value, repeat]) => [
            ...(repeat ? entries : entries.filter(([k]) => k !== key)),
            [key, value],
          ]);
    return hostileEntries.map((list) =>
      list.length === 0
        ? ''
        : `?${list.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join('&')}`,
    );
  });
}
