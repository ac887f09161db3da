/**
 * JSON shape limits over a real socket: a 10,000-level nested array (which once took
 * /v1/chat/completions to a 500 when JSON.stringify overflowed) and a 100,000-element array
 * in an unknown field get a 400 naming the limit on every JSON route, never a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorOf, type Harness, startHarness } from '../../test-support/server/harness.ts';
import { createMemory } from '../engine/engine.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';

const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
const wide = JSON.stringify(Array.from({ length: 100_000 }, () => 1));

const ROUTES: Array<[string, (payload: string) => string]> = [
  ['/v1/memories', (p) => `{"userId":"u","content":"x","extra":${p}}`],
  ['/v1/search', (p) => `{"userId":"u","query":"x","extra":${p}}`],
  ['/v1/turns', (p) => `{"userId":"u","chatId":"c","messages":${p}}`],
  ['/v1/recall', (p) => `{"userId":"u","messages":${p}}`],
  ['/v1/chat/completions', (p) => `{"model":"m","user":"u","messages":${p}}`],
  ['/mcp', (p) => `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":${p}}`],
  ['/v1/import', (p) => `{"userId":"u","content":"x","extra":${p}}\n`],
];

describe('JSON depth and array limits', () => {
  let h: Harness;
  let memory: StrataMemory;
  beforeAll(async () => {
    memory = createMemory({ store: { kind: 'memory' }, embedder: { kind: 'hash' } });
    h = await startHarness(memory, {
      server: { bodyLimitBytes: 4_000_000, upstream: { baseUrl: 'http://upstream.invalid/v1' } },
      fetch: async () => new Response('{}', { headers: { 'content-type': 'application/json' } }),
    });
  });
  afterAll(async () => {
    await h.close();
    await memory.close();
  });

  it.each(ROUTES)('%s: 400 naming the limit, never a 5xx', async (path, wrap) => {
    for (const [payload, limit] of [
      [deep, /depth limit/],
      [wide, /array limit/],
    ] as const) {
      const res = await h.call('POST', path, {
        raw: wrap(payload),
        headers: {
          'content-type': path === '/v1/import' ? 'application/x-ndjson' : 'application/json',
          accept: 'application/json, text/event-stream',
        },
      });
      expect(res.status).toBe(400);
      expect(errorOf(res.body).code).toBe('validation_error');
      expect(errorOf(res.body).message).toMatch(limit);
    }
    expect((await memory.list({ userId: 'u', limit: 10 })).items).toHaveLength(0);
  });
});
