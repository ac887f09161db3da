/**
 * The scripted end-to-end run: the server as a child process on a free port with a temp
 * SQLite data dir and three keys (admin, alice, bob). Alice's Open WebUI outlet stores a
 * turn, her inlet gets a memory block about it; bob can reach none of it on any route;
 * /metrics shows the traffic; SIGTERM exits 0; a restart serves the same memories.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../test-support/server/child-server.ts';
import { API_KEYS, KEYS } from '../../test-support/server/harness.ts';

type Json = Record<string, unknown>;
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../test-support/fixtures/open-webui', name), 'utf8'),
  ) as {
    user: Json;
    body: Json & { messages: Array<{ role: string; content: unknown }> };
  };

async function call(
  url: string,
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  raw?: string,
) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  const response = await fetch(`${url}${path}`, {
    method,
    headers,
    ...(payload !== undefined ? { body: payload } : {}),
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, text, json: json as Json };
}

describe('end to end: strata serve as a child process', () => {
  let dataDir: string;
  let args: string[];
  let server: ChildServer;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'strata-e2e-'));
    const configFile = join(dataDir, 'strata.config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        embedder: { kind: 'hash' },
        server: { apiKeys: API_KEYS, bodyLimitBytes: 65_536 },
        log: { level: 'warn' },
      }),
    );
    args = ['--config', configFile, '--data-dir', dataDir];
    server = await startChildServer(args);
  });
  afterAll(async () => {
    if (server?.child.exitCode === null) await server.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores alice’s outlet turn and injects it at her next inlet; bob sees nothing; SIGTERM is clean', async () => {
    const { url } = server;
    expect((await call(url, 'GET', '/readyz', null)).status).toBe(200);

    const outlet = fixture('outlet-chat.json');
    const stored = await call(url, 'POST', '/strata/filter/outlet', KEYS.alice, outlet);
    expect(stored.status).toBe(200);
    expect(stored.json).toEqual(outlet.body);

    const inlet = fixture('inlet-chat.json');
    const injected = await call(url, 'POST', '/strata/filter/inlet', KEYS.alice, inlet);
    expect(injected.status).toBe(200);
    const system = String((injected.json.messages as Array<{ content: unknown }>)[0]?.content);
    expect(system).toContain('<memory_context>');
    expect(system).toMatch(/tram 28|Lisbon/);

    const list = await call(url, 'GET', '/v1/memories?limit=100', KEYS.alice);
    const items = list.json.items as Array<{ id: string; content: string }>;
    expect(items.length).toBeGreaterThan(0);
    const aliceId = items[0]!.id;

    // Bob: every route refuses alice's data, by name (403) or by id (404).
    const forbidden: Array<[string, string, unknown?]> = [
      ['GET', '/v1/memories?userId=alice'],
      ['GET', `/v1/memories/${aliceId}?userId=alice`],
      ['PATCH', `/v1/memories/${aliceId}?userId=alice`, { content: 'x' }],
      ['DELETE', `/v1/memories/${aliceId}?userId=alice`],
      ['GET', `/v1/memories/${aliceId}/history?userId=alice`],
      ['POST', `/v1/memories/${aliceId}/rollback`, { userId: 'alice', version: 1 }],
      ['POST', '/v1/search', { userId: 'alice', query: 'Lisbon' }],
      ['POST', '/v1/recall', { userId: 'alice', messages: [{ role: 'user', content: 'Lisbon tram?' }] }],
      ['POST', '/v1/turns', { userId: 'alice', messages: [{ role: 'user', content: 'x' }] }],
      ['GET', '/v1/export?userId=alice'],
      ['POST', '/v1/import?userId=alice', undefined],
      ['DELETE', '/v1/users/alice'],
      ['POST', '/strata/filter/inlet', inlet],
      ['POST', '/strata/filter/outlet', outlet],
    ];
    for (const [method, path, body] of forbidden) {
      const raw = path.startsWith('/v1/import')
        ? `${JSON.stringify({ id: aliceId, userId: 'alice' })}\n`
        : undefined;
      const reply = await call(url, method, path, KEYS.bob, body, raw);
      expect(reply.status, `${method} ${path}`).toBe(403);
    }
    for (const path of [`/v1/memories/${aliceId}`, `/v1/memories/${aliceId}/history`]) {
      expect((await call(url, 'GET', path, KEYS.bob)).status, path).toBe(404);
    }
    expect((await call(url, 'DELETE', `/v1/memories/${aliceId}`, KEYS.bob)).status).toBe(404);
    const bobSearch = await call(url, 'POST', '/v1/search', KEYS.bob, { query: 'Lisbon tram' });
    expect(bobSearch.json).toEqual({ results: [] });
    const bobExport = await call(url, 'GET', '/v1/export', KEYS.bob);
    expect(bobExport.status).toBe(200);
    expect(bobExport.text).not.toMatch(/Lisbon/);
    const bobRecall = await call(url, 'POST', '/v1/recall', KEYS.bob, {
      messages: [{ role: 'user', content: 'Which tram do I love in Lisbon?' }],
    });
    expect(bobRecall.text).not.toMatch(/Lisbon/);
    const bobInlet = await call(url, 'POST', '/strata/filter/inlet', KEYS.bob, {
      ...inlet,
      user: { id: 'bob' },
    });
    expect(bobInlet.status).toBe(200);
    expect(bobInlet.text).not.toContain('tram 28 rattles');

    // Bad input against the real engine: clear 4xx, server stays up.
    const bad: Array<[string, string, string]> = [
      ['POST', '/v1/memories', '{"content":'],
      ['POST', '/v1/search', JSON.stringify({ query: ['x'] })],
      ['POST', '/v1/turns', JSON.stringify({ messages: 'nope' })],
      ['POST', '/v1/recall', JSON.stringify({ messages: [] })],
      ['POST', '/v1/memories', JSON.stringify({ content: 'x'.repeat(70_000) })],
      ['POST', '/v1/import', '{"not":"a memory"}\n'],
      ['GET', '/v1/memories/00000000-0000-7000-8000-000000000000', ''],
      ['POST', '/v1/memories/nope/rollback', JSON.stringify({ version: 'one' })],
    ];
    for (const [method, path, raw] of bad) {
      const reply = await call(url, method, path, KEYS.alice, undefined, raw || undefined);
      expect(reply.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
      expect(reply.status, `${method} ${path}`).toBeLessThan(500);
      expect((reply.json.error as Json).message, `${method} ${path}`).toEqual(expect.any(String));
    }
    const hostile =
      "Ωmega \u202Ereversed\u202C \uD83E\uDDE0 \u0000nul <img src=x onerror=alert(1)> '; DROP TABLE memories;--";
    const created = await call(url, 'POST', '/v1/memories', KEYS.alice, { content: hostile });
    expect(created.status).toBe(201);
    const fetched = await call(url, 'GET', `/v1/memories/${created.json.id}`, KEYS.alice);
    expect(fetched.json.content).toBe(hostile);
    expect((await call(url, 'GET', '/healthz', null)).status).toBe(200);

    const metrics = await call(url, 'GET', '/metrics', KEYS.admin);
    expect(metrics.text).toMatch(
      /strata_http_request_duration_seconds_count\{method="POST",route="\/:id\/filter\/outlet",status="200"\} \d+/,
    );
    expect(metrics.text).toMatch(/strata_errors_total\{code="forbidden",route="\/v1\/search"\} \d+/);
    expect(metrics.text).toMatch(/strata_operation_duration_seconds_count\{operation="observe"\} [1-9]/);

    const before = (await call(url, 'GET', '/v1/memories?limit=1000', KEYS.alice)).json.items as unknown[];
    expect(await server.stop('SIGTERM')).toBe(0);

    server = await startChildServer(args);
    const after = (await call(server.url, 'GET', '/v1/memories?limit=1000', KEYS.alice)).json
      .items as unknown[];
    expect(after).toEqual(before);
    expect(await server.stop('SIGTERM')).toBe(0);
  });
});
