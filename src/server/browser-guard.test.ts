/**
 * The browser attacks an outside test of `strata serve` found, replayed over a real socket
 * against a dev-mode server (no keys): a page on another site posting `text/plain` (a
 * "simple" request a browser sends without a preflight), a cross-origin fetch, and DNS
 * rebinding (a foreign Host resolving to 127.0.0.1). Each is refused with the JSON envelope
 * and nothing is stored or sent upstream; same-origin and non-browser clients still work.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';
import { createMemory } from '../engine/engine.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { hostName } from './browser-guard.ts';

/** A raw request so that Host can be anything (as a rebinding page makes it). */
function rawCall(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('browser guard on an open (no keys) server', () => {
  let h: Harness;
  let memory: StrataMemory;
  let upstreamCalls = 0;
  const upstream: typeof fetch = async () => {
    upstreamCalls += 1;
    return new Response(JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'hi' } }] }), {
      headers: { 'content-type': 'application/json' },
    });
  };
  const stored = async () => (await memory.list({ userId: 'victim', limit: 100 })).items.length;

  beforeAll(async () => {
    memory = createMemory({ store: { kind: 'memory' }, embedder: { kind: 'hash' } });
    h = await startHarness(memory, {
      server: {
        apiKeys: [],
        corsOrigins: ['https://app.example'],
        upstream: { baseUrl: 'http://upstream.invalid/v1' },
      },
      fetch: upstream,
    });
  });
  afterAll(async () => {
    await h.close();
    await memory.close();
  });

  it('refuses text/plain and form bodies (no-preflight requests) with 415 and stores nothing', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const res = await h.call('POST', '/v1/memories', {
        key: null,
        raw: JSON.stringify({ userId: 'victim', content: 'planted by a page' }),
        headers: { 'content-type': type },
      });
      expect(res.status).toBe(415);
      expect(errorOf(res.body).code).toBe('unsupported_media_type');
      expect(errorOf(res.body).message).toMatch(/application\/json/);
    }
    const none = await rawCall(h.url, 'POST', '/v1/turns', { host: '127.0.0.1' }, '{"userId":"victim"}');
    expect(none.status).toBe(415);
    const chat = await h.call('POST', '/v1/chat/completions', {
      key: null,
      raw: JSON.stringify({ model: 'm', user: 'victim', messages: [{ role: 'user', content: 'hi' }] }),
      headers: { 'content-type': 'text/plain' },
    });
    expect(chat.status).toBe(415);
    expect(upstreamCalls).toBe(0);
    expect(await stored()).toBe(0);
  });

  it('refuses cross-origin browser requests with 403, reads and writes alike', async () => {
    const write = await h.call('POST', '/v1/memories', {
      key: null,
      json: { userId: 'victim', content: 'planted cross-origin' },
      headers: { origin: 'https://evil.example' },
    });
    expect(write.status).toBe(403);
    expect(errorOf(write.body).message).toMatch(/corsOrigins/);
    const read = await h.call('GET', '/v1/memories?userId=victim', {
      key: null,
      headers: { 'sec-fetch-site': 'cross-site' },
    });
    expect(read.status).toBe(403);
    const sameSite = await h.call('GET', '/v1/memories?userId=victim', {
      key: null,
      headers: { origin: 'http://localhost:1', 'sec-fetch-site': 'same-site' },
    });
    expect(sameSite.status).toBe(403);
    expect(await stored()).toBe(0);
    expect(write.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a rebound Host (DNS rebinding) and answers loopback names', async () => {
    const rebound = await rawCall(h.url, 'GET', '/v1/memories?userId=victim', {
      host: 'attacker.example:8765',
    });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body).error.code).toBe('forbidden');
    for (const host of ['localhost', '127.0.0.1:8765', '[::1]:8765', 'strata.localhost']) {
      expect((await rawCall(h.url, 'GET', '/readyz', { host })).status).toBe(200);
    }
  });

  it('lets same-origin pages, allow-listed origins and plain clients through', async () => {
    const port = new URL(h.url).port;
    const same = await rawCall(
      h.url,
      'POST',
      '/v1/memories',
      {
        host: `127.0.0.1:${port}`,
        origin: `http://127.0.0.1:${port}`,
        'sec-fetch-site': 'same-origin',
        'content-type': 'application/json',
      },
      JSON.stringify({ userId: 'owner', content: 'I keep bees' }),
    );
    expect(same.status).toBe(201);
    const preflight = await h.call('OPTIONS', '/v1/memories', {
      key: null,
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const allowed = await h.call('GET', '/v1/memories?userId=owner', {
      key: null,
      headers: { origin: 'https://app.example' },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const curl = await h.call('GET', '/v1/memories?userId=owner', { key: null });
    expect((curl.body as { items: unknown[] }).items).toHaveLength(1);
  });
});

describe('browser guard with keys', () => {
  let h: Harness;
  let memory: StrataMemory;
  beforeAll(async () => {
    memory = createMemory({ store: { kind: 'memory' }, embedder: { kind: 'hash' } });
    h = await startHarness(memory, { server: { allowedHosts: ['memory.example.com'] } });
  });
  afterAll(async () => {
    await h.close();
    await memory.close();
  });

  it('answers configured hosts and refuses others when allowedHosts is set', async () => {
    const headers = { authorization: `Bearer ${KEYS.alice}` };
    expect(
      (await rawCall(h.url, 'GET', '/v1/memories', { ...headers, host: 'memory.example.com' })).status,
    ).toBe(200);
    expect((await rawCall(h.url, 'GET', '/v1/memories', { ...headers, host: 'other.example' })).status).toBe(
      403,
    );
  });

  it('parses host names with ports and IPv6 brackets', () => {
    expect(hostName('Example.COM:8765')).toBe('example.com');
    expect(hostName('[::1]:80')).toBe('[::1]');
    expect(hostName('localhost.')).toBe('localhost');
  });
});
