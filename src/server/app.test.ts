import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeMemory } from '../../test-support/server/fake-memory.ts';
import { errorOf, type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';
import { ConfigSchema } from '../config/schema.ts';
import { createMemory } from '../engine/engine.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { silentLogger } from '../util/logger.ts';
import { startServer } from './start.ts';

const engines: Array<[string, () => StrataMemory]> = [
  ['fake engine', () => createFakeMemory()],
  [
    'real engine: memory store + hash embedder',
    () => createMemory({ store: { kind: 'memory' }, embedder: { kind: 'hash' } }),
  ],
];

describe.each(engines)('HTTP app over a real socket (%s)', (_name, makeMemory) => {
  let h: Harness;
  let memory: StrataMemory;
  let aliceMemoryId = '';
  beforeAll(async () => {
    memory = makeMemory();
    h = await startHarness(memory, { server: { bodyLimitBytes: 4096 } });
    const created = await h.call('POST', '/v1/memories', {
      key: KEYS.alice,
      json: { content: 'Alice lives in Berlin', layer: 'semantic' },
    });
    expect(created.status).toBe(201);
    aliceMemoryId = (created.body as { id: string }).id;
  });
  afterAll(async () => {
    await h.close();
    await memory.close();
  });

  it('answers health, readiness and openapi without a key', async () => {
    expect((await h.call('GET', '/healthz', { key: null })).status).toBe(200);
    expect((await h.call('GET', '/readyz', { key: null })).body).toEqual({ status: 'ready' });
    const doc = (await h.call('GET', '/openapi.json', { key: null })).body as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/memories', '/v1/search', '/v1/recall']),
    );
  });

  it('refuses missing and wrong keys with 401', async () => {
    const missing = await h.call('GET', '/v1/memories', { key: null });
    expect(missing.status).toBe(401);
    expect(errorOf(missing.body).code).toBe('unauthorized');
    expect((await h.call('GET', '/v1/memories', { key: 'not-a-real-key-123' })).status).toBe(401);
  });

  it('lets alice read her own memory and hides it from bob', async () => {
    expect((await h.call('GET', `/v1/memories/${aliceMemoryId}`, { key: KEYS.alice })).status).toBe(200);
    expect((await h.call('GET', `/v1/memories/${aliceMemoryId}`, { key: KEYS.bob })).status).toBe(404);
    const probes: Array<[string, string, unknown?]> = [
      ['GET', `/v1/memories/${aliceMemoryId}?userId=alice`],
      ['GET', '/v1/memories?userId=alice'],
      ['PATCH', `/v1/memories/${aliceMemoryId}?userId=alice`, { content: 'hacked' }],
      ['DELETE', `/v1/memories/${aliceMemoryId}?userId=alice`],
      ['GET', `/v1/memories/${aliceMemoryId}/history?userId=alice`],
      ['POST', `/v1/memories/${aliceMemoryId}/rollback`, { userId: 'alice', version: 1 }],
      ['POST', '/v1/search', { userId: 'alice', query: 'Berlin' }],
      ['POST', '/v1/recall', { userId: 'alice', messages: [{ role: 'user', content: 'Berlin?' }] }],
      ['POST', '/v1/turns', { userId: 'alice', messages: [{ role: 'user', content: 'x' }] }],
      ['GET', '/v1/export?userId=alice'],
      ['DELETE', '/v1/users/alice'],
    ];
    for (const [method, path, json] of probes) {
      const reply = await h.call(method, path, { key: KEYS.bob, ...(json ? { json } : {}) });
      expect(reply.status, `${method} ${path}`).toBe(403);
      expect(errorOf(reply.body).code).toBe('forbidden');
    }
    const bobSearch = await h.call('POST', '/v1/search', { key: KEYS.bob, json: { query: 'Berlin' } });
    expect(bobSearch.body).toEqual({ results: [] });
    expect((await h.call('GET', `/v1/memories/${aliceMemoryId}`, { key: KEYS.alice })).status).toBe(200);
  });

  it('requires admins to name the user', async () => {
    const reply = await h.call('GET', '/v1/memories');
    expect(reply.status).toBe(400);
    expect(errorOf(reply.body).message).toMatch(/userId is required/);
    expect((await h.call('GET', '/v1/memories?userId=alice&limit=1')).body).toMatchObject({
      nextCursor: null,
    });
  });

  it('supports patch, history, rollback, export and cursor pagination', async () => {
    const patched = await h.call('PATCH', `/v1/memories/${aliceMemoryId}`, {
      key: KEYS.alice,
      json: { content: 'Alice lives in Hamburg' },
    });
    expect(patched.body).toMatchObject({ content: 'Alice lives in Hamburg', version: 2 });
    const history = await h.call('GET', `/v1/memories/${aliceMemoryId}/history`, { key: KEYS.alice });
    expect((history.body as { versions: unknown[] }).versions).toHaveLength(2);
    const rolled = await h.call('POST', `/v1/memories/${aliceMemoryId}/rollback`, {
      key: KEYS.alice,
      json: { version: 1 },
    });
    expect(rolled.body).toMatchObject({ content: 'Alice lives in Berlin' });
    const exported = await h.call('GET', '/v1/export', { key: KEYS.alice });
    expect(exported.headers.get('content-type')).toMatch(/ndjson/);
    expect(exported.text).toContain('Alice lives in Berlin');
    await h.call('POST', '/v1/memories', { key: KEYS.alice, json: { content: 'second' } });
    const page = await h.call('GET', '/v1/memories?limit=1', { key: KEYS.alice });
    const cursor = (page.body as { nextCursor: string }).nextCursor;
    expect(cursor).toBeTruthy();
    const next = await h.call('GET', `/v1/memories?limit=1&cursor=${cursor}`, { key: KEYS.alice });
    expect((next.body as { items: unknown[] }).items).toHaveLength(1);
  });

  it('answers bad input with clear 4xx and stays up', async () => {
    const malformed = await h.call('POST', '/v1/memories', { key: KEYS.alice, raw: '{"content": "x",' });
    expect(malformed.status).toBe(400);
    expect(errorOf(malformed.body).message).toMatch(/Malformed JSON/);
    const wrongType = await h.call('POST', '/v1/search', { key: KEYS.alice, json: { query: 42 } });
    expect(wrongType.status).toBe(400);
    expect(errorOf(wrongType.body).message).toMatch(/query/);
    const badLayer = await h.call('POST', '/v1/memories', {
      key: KEYS.alice,
      json: { content: 'x', layer: 'nope' },
    });
    expect(errorOf(badLayer.body).message).toMatch(/layer/);
    const array = await h.call('POST', '/v1/turns', { key: KEYS.alice, json: [1, 2] });
    expect(array.status).toBe(400);
    const huge = await h.call('POST', '/v1/memories', {
      key: KEYS.alice,
      json: { content: 'x'.repeat(10_000) },
    });
    expect(huge.status).toBe(413);
    expect(errorOf(huge.body).message).toMatch(/bodyLimitBytes/);
    expect((await h.call('GET', '/v1/memories/does-not-exist', { key: KEYS.alice })).status).toBe(404);
    expect((await h.call('GET', `/v1/memories/${'x'.repeat(500)}`, { key: KEYS.alice })).status).toBe(400);
    expect((await h.call('GET', '/no/such/route', { key: KEYS.alice })).status).toBe(404);
    const hostile = 'A\u202Eevil\u0000\uD83D\uDE00 <script>\u200B\uFEFF \u{10FFFF}';
    const stored = await h.call('POST', '/v1/memories', { key: KEYS.alice, json: { content: hostile } });
    expect(stored.status).toBe(201);
    expect((stored.body as { content: string }).content).toBe(hostile);
    const hostileUser = await h.call('GET', `/v1/memories?userId=${encodeURIComponent('\u0000evil ')}`);
    expect(hostileUser.status).toBe(400);
    const badDate = await h.call('POST', '/v1/turns', {
      key: KEYS.alice,
      json: { messages: [{ role: 'user', content: 'hi' }], timestamp: 'yesterday-ish' },
    });
    expect(badDate.status).toBe(400);
    for (const reply of [malformed, wrongType, huge]) expect(reply.text).not.toMatch(/at .*\.ts:\d+/);
    expect((await h.call('GET', '/healthz')).status).toBe(200);
  });

  it('exposes request metrics to admins only', async () => {
    const refused = await h.call('GET', '/metrics', { key: KEYS.alice });
    expect(refused.status).toBe(403);
    expect(errorOf(refused.body).message).toMatch(/admin key/);
    expect((await h.call('GET', '/metrics', { key: null })).status).toBe(401);
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.text).toMatch(
      /strata_http_request_duration_seconds_count\{method="POST",route="\/v1\/memories",status="201"\}/,
    );
    expect(metrics.text).toMatch(/strata_errors_total\{code="forbidden"/);
    expect(metrics.text).toMatch(/strata_memories\{layer="semantic"\}/);
  });
});

describe('lifecycle', () => {
  it('refuses to listen beyond loopback without API keys', async () => {
    const config = ConfigSchema.parse({ server: { host: '0.0.0.0', port: 0 } });
    await expect(startServer({ memory: createFakeMemory(), config, logger: silentLogger })).rejects.toThrow(
      /Refusing to listen on 0\.0\.0\.0 without API keys/,
    );
  });

  it('reports not ready with the reason (503) while the engine cannot start', async () => {
    const memory = createFakeMemory();
    memory.notReady = new Error('embedder model file missing');
    const h = await startHarness(memory);
    try {
      const reply = await h.call('GET', '/readyz', { key: null });
      expect(reply.status).toBe(503);
      expect(reply.body).toMatchObject({
        status: 'not_ready',
        reason: expect.stringMatching(/model file missing/),
      });
      expect((await h.call('GET', '/healthz', { key: null })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('finishes in-flight requests on close and refuses new connections', async () => {
    const memory = createFakeMemory();
    const h = await startHarness(memory);
    memory.delayMs = 300;
    const inFlight = h.call('POST', '/v1/turns', {
      key: KEYS.alice,
      json: { chatId: 'c', messages: [{ role: 'user', content: 'slow turn' }] },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = h.close();
    const reply = await inFlight;
    expect(reply.status).toBe(200);
    await closing;
    expect(memory.observed).toBe(1);
    await expect(fetch(`${h.url}/healthz`)).rejects.toThrow();
  });

  it('never 500s on odd encodings in paths and queries', async () => {
    const h = await startHarness(createFakeMemory());
    try {
      for (const path of [
        '/v1/users/%E0%A4%A',
        '/v1/users/100%25',
        '/v1/memories/%00',
        '/v1/memories?userId=%ZZ',
        '/%F0%9F%92%A9/filter/inlet',
      ]) {
        const method = path.startsWith('/v1/users') ? 'DELETE' : path.includes('filter') ? 'POST' : 'GET';
        const reply = await h.call(method, path, {
          key: KEYS.alice,
          ...(method === 'GET' ? {} : { json: {} }),
        });
        expect(reply.status, path).toBeGreaterThanOrEqual(400);
        expect(reply.status, path).toBeLessThan(500);
      }
    } finally {
      await h.close();
    }
  });
});

describe('limits', () => {
  it('rate-limits per user with Retry-After', async () => {
    const h = await startHarness(createFakeMemory(), {
      server: { rateLimit: { perKeyPerMinute: 100, perUserPerMinute: 2 } },
    });
    try {
      await h.call('GET', '/v1/memories', { key: KEYS.alice });
      await h.call('GET', '/v1/memories', { key: KEYS.alice });
      const limited = await h.call('GET', '/v1/memories', { key: KEYS.alice });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(errorOf(limited.body).message).toMatch(/perUserPerMinute/);
      expect((await h.call('GET', '/v1/memories', { key: KEYS.bob })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('enforces per-user memory count and byte quotas naming the limit', async () => {
    const h = await startHarness(createFakeMemory(), {
      server: { quotas: { maxMemoriesPerUser: 1, maxBytesPerUser: 50 } },
    });
    try {
      expect(
        (await h.call('POST', '/v1/memories', { key: KEYS.alice, json: { content: 'one' } })).status,
      ).toBe(201);
      const over = await h.call('POST', '/v1/memories', { key: KEYS.alice, json: { content: 'two' } });
      expect(over.status).toBe(429);
      expect(errorOf(over.body).message).toMatch(/maxMemoriesPerUser/);
      const big = await h.call('POST', '/v1/memories', { key: KEYS.bob, json: { content: 'y'.repeat(100) } });
      expect(big.status).toBe(413);
      expect(errorOf(big.body).message).toMatch(/maxBytesPerUser/);
    } finally {
      await h.close();
    }
  });
});
