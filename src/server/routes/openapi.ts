/**
 * GET /openapi.json: the OpenAPI 3.1 document, generated from the same zod schemas that
 * validate requests (z.toJSONSchema), so the document cannot drift from what the server
 * accepts. Built once, lazily, on the first request.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import {
  ChatMessageSchema,
  FeedbackInputSchema,
  LAYERS,
  MemoryInputSchema,
  MemoryPatchSchema,
  MemorySchema,
  MemoryVersionSchema,
  RecallRequestSchema,
  SearchQuerySchema,
  TurnSchema,
} from '../../types.ts';
import type { AppEnv } from '../context.ts';
import {
  HeadsReplySchema,
  HelloReplySchema,
  LogReplySchema,
  PushBodySchema,
  PushReplySchema,
} from '../sync/protocol.ts';

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const SearchResultSchema = z.object({ memory: MemorySchema, score: z.number() });
const PageSchema = z.object({ items: z.array(MemorySchema), nextCursor: z.string().nullable() });
const ObserveSchema = z.object({
  turnId: z.string(),
  stored: z.array(MemorySchema),
  updated: z.array(MemorySchema),
  skipped: z.boolean(),
});

const LayerCountsSchema = z.object({ count: z.number().int(), bytes: z.number().int() });
const WhoamiSchema = z.object({
  kind: z.enum(['admin', 'user', 'open']),
  keyName: z.string(),
  userId: z.string().nullable(),
  layers: z.array(z.enum(LAYERS)),
});
const UserStatsSchema = z.object({
  userId: z.string(),
  memories: z.number().int(),
  versions: z.number().int(),
  bytes: z.number().int(),
  byLayer: z.record(z.enum(LAYERS), LayerCountsSchema),
});
const TimelineSchema = z.object({
  userId: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
  bucketMs: z.number().int(),
  buckets: z.array(
    z.object({ start: z.string(), counts: z.partialRecord(z.enum(LAYERS), z.number().int()) }),
  ),
  scanned: z.number().int(),
  truncated: z.boolean(),
  events: z.array(z.object({ id: z.string(), at: z.string(), createdAt: z.string(), content: z.string() })),
});
const EmotionsSchema = z.object({
  userId: z.string(),
  points: z.array(
    z.object({
      id: z.string(),
      createdAt: z.string(),
      valence: z.number(),
      arousal: z.number(),
      intensity: z.number(),
      labels: z.array(z.string()),
      cluster: z.number().int().nullable(),
    }),
  ),
  clusters: z.array(
    z.object({
      label: z.string(),
      emotions: z.record(z.string(), z.number()),
      valence: z.number(),
      arousal: z.number(),
      memoryIds: z.array(z.string()),
      size: z.number().int(),
    }),
  ),
  truncated: z.boolean(),
});

const GraphSchema = z.object({
  userId: z.string(),
  id: z.string(),
  nodes: z.array(
    z.object({
      id: z.string(),
      layer: z.enum(LAYERS),
      content: z.string(),
      createdAt: z.string(),
      depth: z.number().int(),
    }),
  ),
  edges: z.array(z.object({ from: z.string(), to: z.string(), strength: z.number().nullable() })),
});

type Json = Record<string, unknown>;

const schema = (s: z.ZodType, io: 'input' | 'output'): Json =>
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Json;

const jsonBody = (s: z.ZodType): Json => ({
  required: true,
  content: { 'application/json': { schema: schema(s, 'input') } },
});
const ok = (s: z.ZodType, status = '200'): Json => ({
  [status]: { description: 'Success', content: { 'application/json': { schema: schema(s, 'output') } } },
  default: {
    description: 'Error',
    content: { 'application/json': { schema: schema(ErrorSchema, 'output') } },
  },
});
const q = (name: string, required = false): Json => ({
  name,
  in: 'query',
  required,
  schema: { type: 'string' },
});
const p = (name: string): Json => ({ name, in: 'path', required: true, schema: { type: 'string' } });

export function buildOpenApiDocument(): Json {
  const ndjson = { content: { 'application/x-ndjson': { schema: { type: 'string' } } } };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Strata',
      version: '0.1.0',
      description: 'Layered long-term memory for LLM chat applications.',
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/v1/memories': {
        post: {
          summary: 'Create a memory',
          requestBody: jsonBody(MemoryInputSchema),
          responses: ok(MemorySchema, '201'),
        },
        get: {
          summary: 'List memories (cursor pagination)',
          parameters: ['userId', 'layer', 'since', 'until', 'limit', 'cursor'].map((n) => q(n)),
          responses: ok(PageSchema),
        },
      },
      '/v1/memories/{id}': {
        get: { summary: 'Get a memory', parameters: [p('id'), q('userId')], responses: ok(MemorySchema) },
        patch: {
          summary: 'Update a memory (creates a version)',
          parameters: [p('id'), q('userId')],
          requestBody: jsonBody(MemoryPatchSchema),
          responses: ok(MemorySchema),
        },
        delete: {
          summary: 'Delete a memory',
          parameters: [p('id'), q('userId')],
          responses: ok(z.object({ deleted: z.boolean(), id: z.string() })),
        },
      },
      '/v1/memories/{id}/history': {
        get: {
          summary: 'Version history',
          parameters: [p('id'), q('userId')],
          responses: ok(z.object({ versions: z.array(MemoryVersionSchema) })),
        },
      },
      '/v1/memories/{id}/graph': {
        get: {
          summary:
            'The association graph around a memory: linked memories up to depth hops (1-3), limit nodes',
          parameters: [p('id'), q('userId'), q('depth'), q('limit')],
          responses: ok(GraphSchema),
        },
      },
      '/v1/memories/{id}/rollback': {
        post: {
          summary: 'Roll back to a version',
          parameters: [p('id'), q('userId')],
          requestBody: jsonBody(
            z.object({ userId: z.string().optional(), version: z.number().int().min(1) }),
          ),
          responses: ok(MemorySchema),
        },
      },
      '/v1/search': {
        post: {
          summary: 'Search memories',
          requestBody: jsonBody(SearchQuerySchema),
          responses: ok(z.object({ results: z.array(SearchResultSchema) })),
        },
      },
      '/v1/turns': {
        post: { summary: 'Observe a turn', requestBody: jsonBody(TurnSchema), responses: ok(ObserveSchema) },
      },
      '/v1/recall': {
        post: {
          summary: 'Recall a context block',
          requestBody: jsonBody(RecallRequestSchema),
          responses: ok(
            z.object({
              context: z.string(),
              memories: z.array(SearchResultSchema),
              shared: z
                .array(z.object({ scope: z.string(), memory: MemorySchema, score: z.number() }))
                .optional(),
            }),
          ),
        },
      },
      '/v1/explain': {
        post: {
          summary:
            'Explain recall (a dry run): each ranked memory with its signals, learned weight and ratings',
          requestBody: jsonBody(RecallRequestSchema),
          responses: ok(
            z.object({
              context: z.string(),
              lines: z.array(
                z.object({
                  rank: z.number().int(),
                  memory: MemorySchema,
                  inBlock: z.boolean(),
                  score: z.number(),
                  signals: z.record(z.string(), z.number()),
                  learnedWeight: z.number(),
                  learnedContributions: z.record(z.string(), z.number()),
                  feedback: z.object({
                    useful: z.number(),
                    notUseful: z.number(),
                    wrong: z.number(),
                    flaggedWrong: z.boolean(),
                  }),
                }),
              ),
              learning: z.object({
                enabled: z.boolean(),
                queryKind: z.string(),
                weights: z.record(z.enum(LAYERS), z.number()),
                userWeights: z.record(z.enum(LAYERS), z.number()),
                priorWeights: z.record(z.enum(LAYERS), z.number()),
                signalWeights: z.record(z.string(), z.number()),
                userSignalWeights: z.record(z.string(), z.number()),
                priorSignalWeights: z.record(z.string(), z.number()),
                ownShare: z.number(),
                ratings: z.number(),
                useful: z.number(),
                messages: z.number(),
                pairs: z.number(),
                check: z.object({
                  agree: z.number(),
                  disagree: z.number(),
                  messages: z.number(),
                  meanGain: z.number(),
                  standardError: z.number(),
                  margin: z.number(),
                  passes: z.boolean(),
                  priorPasses: z.boolean(),
                  applied: z.boolean(),
                }),
                updatedAt: z.string().nullable(),
              }),
            }),
          ),
        },
      },
      '/v1/feedback': {
        post: {
          summary: 'Rate recalled memories (useful, not_useful, wrong)',
          requestBody: jsonBody(FeedbackInputSchema),
          responses: ok(
            z.object({
              memories: z.array(MemorySchema),
              repeated: z.array(z.string()),
              weights: z.record(z.enum(LAYERS), z.number()),
            }),
          ),
        },
      },
      '/v1/export': {
        get: {
          summary: 'Export NDJSON',
          parameters: [q('userId')],
          responses: { '200': { description: 'NDJSON', ...ndjson } },
        },
      },
      '/v1/import': {
        post: {
          summary:
            'Import NDJSON (streamed, idempotent, all or nothing; 429 + Retry-After past server.import.maxConcurrent)',
          parameters: [q('userId')],
          requestBody: { required: true, ...ndjson },
          responses: ok(z.object({ imported: z.number(), unchanged: z.number(), lines: z.number() })),
        },
      },
      '/v1/media/{id}': {
        get: {
          summary: 'One image or recording of the user (its id is in metadata.media and in recall lines)',
          parameters: [p('id'), q('userId')],
          responses: {
            '200': {
              description: 'The bytes, with their media type',
              content: {
                'image/*': { schema: { type: 'string', format: 'binary' } },
                'audio/*': { schema: { type: 'string', format: 'binary' } },
              },
            },
            default: {
              description: 'Error',
              content: { 'application/json': { schema: schema(ErrorSchema, 'output') } },
            },
          },
        },
      },
      '/v1/users/{userId}': {
        delete: {
          summary: "Delete all of a user's memories and media",
          parameters: [p('userId')],
          responses: ok(z.object({ userId: z.string(), deleted: z.number() })),
        },
      },
      '/v1/users': {
        get: {
          summary: 'The ids of every user with memories (admin keys only)',
          responses: ok(z.object({ users: z.array(z.string()) })),
        },
      },
      '/v1/whoami': {
        get: {
          summary: 'What the presented key is: admin, bound to a user, or open (no keys configured)',
          responses: ok(WhoamiSchema),
        },
      },
      '/v1/stats': {
        get: {
          summary: "One user's memory, version and byte counts, per layer",
          parameters: [q('userId')],
          responses: ok(UserStatsSchema),
        },
      },
      '/v1/timeline': {
        get: {
          summary:
            "One user's memories counted per time bucket and layer, with the temporal layer's dated events",
          parameters: ['userId', 'layer', 'since', 'until', 'timeZone', 'buckets'].map((n) => q(n)),
          responses: ok(TimelineSchema),
        },
      },
      '/v1/emotions': {
        get: {
          summary: "One user's emotional memories (valence, arousal, labels) and their emotion clusters",
          parameters: [q('userId')],
          responses: ok(EmotionsSchema),
        },
      },
      '/ui': {
        get: {
          summary: 'The memory inspector page (no key needed to load it; its API calls send one)',
          security: [],
          responses: { '200': { description: 'text/html' } },
        },
      },
      '/v1/sync/hello': {
        get: {
          summary: 'Sync handshake (peer key): the instance id, public key and a signature of the nonce',
          parameters: [q('nonce')],
          responses: ok(HelloReplySchema),
        },
      },
      '/v1/sync/log': {
        get: {
          summary: "A page of one user's change log in arrival order (peer key with read rights)",
          parameters: [q('user'), q('after'), q('limit'), q('have')],
          responses: ok(LogReplySchema),
        },
        post: {
          summary: "Apply a peer's entries for one user (peer key with write rights); 409 on a fork or gap",
          requestBody: jsonBody(PushBodySchema),
          responses: ok(PushReplySchema),
        },
      },
      '/v1/sync/heads': {
        get: {
          summary: "The head of every chain of one user's log (peer key)",
          parameters: [q('user')],
          responses: ok(HeadsReplySchema),
        },
      },
      '/v1/sync/status': {
        get: {
          summary: "This instance's id, the digest of its log and state, each peer's last round (admin)",
          parameters: [q('user')],
          responses: { '200': { description: 'status' } },
        },
      },
      '/v1/chat/completions': {
        post: {
          summary: 'OpenAI-compatible proxy with memory (when server.upstream is set)',
          requestBody: jsonBody(
            z.object({ model: z.string(), messages: z.array(ChatMessageSchema) }).passthrough(),
          ),
          responses: { '200': { description: 'Upstream reply (JSON or SSE)' } },
        },
      },
      '/healthz': {
        get: { summary: 'Process up', security: [], responses: { '200': { description: 'ok' } } },
      },
      '/readyz': {
        get: {
          summary: 'Store and embedder ready',
          security: [],
          responses: { '200': { description: 'ready' }, '503': { description: 'not ready, with reason' } },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain' } } },
      },
      '/models': {
        get: {
          summary: 'Open WebUI Pipelines discovery',
          responses: { '200': { description: 'filter list' } },
        },
      },
      '/{id}/filter/inlet': {
        post: {
          summary: 'Open WebUI inlet filter',
          parameters: [p('id')],
          responses: { '200': { description: 'body' } },
        },
      },
      '/{id}/filter/outlet': {
        post: {
          summary: 'Open WebUI outlet filter',
          parameters: [p('id')],
          responses: { '200': { description: 'body' } },
        },
      },
      '/mcp': {
        post: { summary: 'MCP streamable HTTP endpoint', responses: { '200': { description: 'JSON-RPC' } } },
      },
    },
  };
}

export function registerOpenApiRoutes(app: Hono<AppEnv>): void {
  let document: Json | undefined;
  app.get('/openapi.json', (c) => {
    document ??= buildOpenApiDocument();
    return c.json(document);
  });
}
