/**
 * Property-based fuzzing of every HTTP route (test-support/fuzz/routes.ts) against a real
 * server on a real socket with keys on: the real engine on a SQLite file, the OpenAI proxy
 * in front of a fake upstream, MCP over streamable HTTP and the Open WebUI Pipelines routes.
 * Requests act as alice (her bound key) or as the admin, well-formed from the routes' zod
 * schemas or mutated. Holds for every reply: no status of 500 or more, every error in the
 * JSON envelope `{error:{code,message}}` (MCP transport errors: JSON-RPC's own error object),
 * every request answered; and bob's stored data (his export, history included) unchanged.
 * STRATA_FUZZ_RUNS (runs per route, default 80) and STRATA_FUZZ_SEED size and repeat a run.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/engine/engine.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import { buildOpenApiDocument } from '../../src/server/routes/openapi.ts';
import { engineConfig, tempDir } from '../../test-support/engine/e2e-engine.ts';
import {
  type Actor,
  type FuzzRequest,
  type Pools,
  ROUTES,
  requestsOf,
} from '../../test-support/fuzz/routes.ts';
import { type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';

const RUNS = Number(process.env.STRATA_FUZZ_RUNS ?? 80);
const SEED = Number(process.env.STRATA_FUZZ_SEED ?? 20_250_715);

/** Replies like an OpenAI-compatible server to anything: JSON, or a short stream when asked. */
function fakeUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: 'm', object: 'model' }] }));
        return;
      }
      let stream = false;
      try {
        stream = (JSON.parse(data) as { stream?: unknown }).stream === true;
      } catch {
        // The proxy forwards only JSON; anything else is answered as JSON too.
      }
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'Noted.' } }] })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'Noted.' } }] }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface Reply {
  status: number;
  type: string;
  text: string;
}

async function send(url: string, request: FuzzRequest): Promise<Reply | Error> {
  try {
    const response = await fetch(`${url}${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
  } catch (error) {
    return error as Error;
  }
}

const isEnvelope = (body: unknown): boolean => {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return typeof error?.code === 'string' && typeof error.message === 'string';
};

/** MCP's transport answers protocol errors as JSON-RPC does; its clients read nothing else. */
const isJsonRpcError = (body: unknown): boolean => {
  const rpc = body as { jsonrpc?: unknown; error?: { code?: unknown; message?: unknown } } | null;
  return (
    rpc?.jsonrpc === '2.0' && typeof rpc.error?.code === 'number' && typeof rpc.error.message === 'string'
  );
};

/** What is wrong with a reply, or undefined. */
function problemOf(request: FuzzRequest, reply: Reply | Error): string | undefined {
  if (reply instanceof Error) {
    // A body the server refused before reading it all may break off the client's upload;
    // that is the server closing the connection cleanly after its reply, not a lost request.
    const cause = (reply as Error & { cause?: { code?: string } }).cause?.code;
    const big = request.body !== undefined && request.body.length > 1_000_000;
    if (big && (cause === 'EPIPE' || cause === 'ECONNRESET' || cause === 'UND_ERR_SOCKET')) return undefined;
    return `no reply: ${reply.message} (${cause ?? 'no code'})`;
  }
  if (reply.status >= 500) return `status ${reply.status}: ${reply.text.slice(0, 300)}`;
  if (reply.status < 400) return undefined;
  if (!reply.type.includes('application/json'))
    return `status ${reply.status} with ${reply.type || 'no type'}: ${reply.text.slice(0, 200)}`;
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    return `status ${reply.status}, body not JSON: ${reply.text.slice(0, 200)}`;
  }
  const mcp = request.path.split('?')[0] === '/mcp';
  if (isEnvelope(body) || (mcp && isJsonRpcError(body))) return undefined;
  return `status ${reply.status}, not the error envelope: ${reply.text.slice(0, 200)}`;
}

const describeRequest = (r: FuzzRequest) =>
  `${r.kind} as ${r.actor}: ${r.method} ${r.path.slice(0, 200)} ${JSON.stringify(r.headers).slice(0, 200)} ${
    r.body === undefined ? '' : Buffer.from(r.body).toString('utf8').slice(0, 300)
  }`;

async function digestOf(harness: Harness, key: string): Promise<{ digest: string; lines: number }> {
  const reply = await harness.call('GET', '/v1/export?includeHistory=true', { key });
  expect(reply.status).toBe(200);
  const lines = reply.text.split('\n').filter(Boolean).sort();
  return { digest: createHash('sha256').update(lines.join('\n')).digest('hex'), lines: lines.length };
}

describe('route fuzzing: every route from its zod schema, keys on, over a real socket', {
  timeout: 300_000,
}, () => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  let harness: Harness;
  let upstream: Server;
  const pools: Pools = {
    users: {
      alice: ['alice', 'bob', 'carol'],
      admin: ['alice', 'carol', 'ålice', '用户-7', 'user@example.com'],
    },
    memoryIds: { alice: [], admin: [] },
  };

  beforeAll(async () => {
    upstream = await fakeUpstream();
    dir = tempDir('strata-fuzz-');
    memory = createMemory(engineConfig('sqlite', dir.path));
    const port = (upstream.address() as AddressInfo).port;
    harness = await startHarness(memory, {
      server: {
        upstream: { baseUrl: `http://127.0.0.1:${port}/v1` },
        rateLimit: { perKeyPerMinute: 1_000_000, perUserPerMinute: 1_000_000 },
      },
    });
    const seed = async (user: 'alice' | 'bob', n: number) => {
      for (let i = 0; i < n; i++) {
        const reply = await harness.call('POST', '/v1/memories', {
          key: KEYS[user],
          json: {
            content: `${user} fact ${i}: I keep a ${['red', 'blue', 'green'][i % 3]} bike`,
            layer: 'semantic',
          },
        });
        expect(reply.status).toBe(201);
        // Alice may name bob's memories too (and must be refused); the admin never does.
        const { id } = reply.body as { id: string };
        pools.memoryIds.alice.push(id);
        if (user === 'alice') pools.memoryIds.admin.push(id);
      }
      const turn = await harness.call('POST', '/v1/turns', {
        key: KEYS[user],
        json: {
          chatId: `${user}-chat`,
          messages: [{ role: 'user', content: `I am ${user} and I live in Lisbon` }],
        },
      });
      expect(turn.status).toBe(200);
    };
    await seed('alice', 5);
    await seed('bob', 5);
    expect((await harness.call('GET', '/readyz')).status).toBe(200);
  });
  afterAll(async () => {
    await harness?.close();
    await memory?.close();
    await new Promise((resolve) => upstream.close(resolve));
    dir?.remove();
  });

  it('covers every route the app mounts and the OpenAPI document lists', () => {
    const fuzzed = new Set(ROUTES.map((r) => `${r.method} ${r.pattern}`));
    const mounted = harness.server.strata.app.routes
      .filter((r) => r.path !== '/*')
      .flatMap((r) =>
        (r.method === 'ALL' ? ['GET', 'POST', 'DELETE'] : [r.method]).map((m) => `${m} ${r.path}`),
      );
    expect([...new Set(mounted)].filter((route) => !fuzzed.has(route))).toEqual([]);
    const documented = Object.entries(
      buildOpenApiDocument().paths as Record<string, Record<string, unknown>>,
    ).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    expect(documented.filter((route) => !fuzzed.has(route))).toEqual([]);
  });

  it(`${RUNS} cases a route: no 5xx, every error in the envelope, bob's data unchanged`, async () => {
    const before = await digestOf(harness, KEYS.bob);
    expect(before.lines).toBeGreaterThan(5);
    const keys: Record<Actor, string> = { alice: KEYS.alice, admin: KEYS.admin };
    const problems: string[] = [];
    const cases = new Set<string>();
    const statuses = new Map<number, number>();
    let requests = 0;
    const recent: FuzzRequest[] = [];
    // fast-check draws the cases; problems are collected instead of thrown so that one run
    // reports all of them, each with the requests before it (a dropped connection is often
    // the previous request's doing). The seed printed below reproduces a run.
    for (const [index, route] of ROUTES.entries()) {
      await fc.assert(
        fc.asyncProperty(requestsOf(route, pools, keys), async (request) => {
          requests++;
          cases.add(`${route.method} ${route.pattern} ${request.kind}`);
          const reply = await send(harness.url, request);
          if (!(reply instanceof Error)) statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
          const problem = problemOf(request, reply);
          if (problem && problems.length < 50)
            problems.push(
              `${problem}\n    ${describeRequest(request)}\n  after ${recent.map(describeRequest).join('\n  after ')}`,
            );
          recent.unshift(request);
          recent.length = Math.min(recent.length, 3);
        }),
        { numRuns: RUNS, seed: SEED + index, endOnFailure: true },
      );
    }
    const after = await digestOf(harness, KEYS.bob);
    const histogram = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}:${n}`);
    console.log(
      `route fuzzing: ${requests} requests, ${ROUTES.length} routes, ${cases.size} cases (route x kind), seed ${SEED}; statuses ${histogram.join(' ')}; problems ${problems.length}`,
    );
    expect(problems).toEqual([]);
    expect(after).toEqual(before);
  });
});
