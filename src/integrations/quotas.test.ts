import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, describe, expect, it } from 'vitest';
import { type RealEngine, realEngine, until } from '../../test-support/server/bridges.ts';
import { errorOf, type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';

/**
 * Quotas hold on every write surface, over real sockets with the real engine (SQLite): the
 * limit is checked against what a write produces (a turn yields several memories across
 * layers) where it is written, a write that does not fit is refused whole, and N parallel
 * requests of one user never pass the limit between them. Refused outlet and proxy turns
 * are kept in the dead-letter folder.
 */

let engine: RealEngine | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  await engine?.close();
  h = undefined;
  engine = undefined;
});

async function start(quotas: { maxMemoriesPerUser: number; maxBytesPerUser: number }, extra = {}) {
  engine = realEngine();
  h = await startHarness(engine.memory, { server: { quotas, ...extra }, startOutbox: false });
  return { h, memory: engine.memory };
}

const usage = async (memory: RealEngine['memory'], userId = 'alice') => {
  const stats = await memory.stats(userId);
  return { memories: stats.memories, bytes: stats.bytes };
};

const turn = (i: number) => ({
  chatId: `chat-${i}`,
  turnId: `turn-${i}`,
  messages: [
    { role: 'user', content: `I moved to city number ${i} last spring and I love its parks.` },
    { role: 'assistant', content: `Parks in city ${i} are lovely in spring.` },
  ],
});

const deadTurns = (dataDir: string) =>
  readdirSync(join(dataDir, 'outbox', 'dead'))
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(join(dataDir, 'outbox', 'dead', name), 'utf8')));

describe('quotas on REST writes', () => {
  it('POST /v1/memories: 30 parallel writes against a quota of 5 store exactly 5', async () => {
    const { h, memory } = await start({ maxMemoriesPerUser: 5, maxBytesPerUser: 1_000_000 });
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        h.call('POST', '/v1/memories', { key: KEYS.alice, json: { content: `fact number ${i}` } }),
      ),
    );
    expect(replies.filter((r) => r.status === 201)).toHaveLength(5);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(25);
    expect(errorOf(replies.find((r) => r.status === 429)?.body).message).toMatch(/maxMemoriesPerUser/);
    expect((await usage(memory)).memories).toBe(5);
  });

  it('POST /v1/memories: 20 parallel writes never pass the byte quota', async () => {
    const { h, memory } = await start({ maxMemoriesPerUser: 1_000, maxBytesPerUser: 400 });
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        h.call('POST', '/v1/memories', { key: KEYS.alice, json: { content: `${'x'.repeat(60)} ${i}` } }),
      ),
    );
    const created = replies.filter((r) => r.status === 201).length;
    const now = await usage(memory);
    expect(now.bytes).toBeLessThanOrEqual(400);
    expect(now.memories).toBe(created);
    // Each memory is ~65 bytes: 6 fit, and the seventh would pass 400.
    expect(created).toBe(6);
    expect(replies.filter((r) => r.status === 413)).toHaveLength(14);
  });

  it('POST /v1/turns: a turn that does not fit is refused whole; parallel turns never pass the limit', async () => {
    const { h, memory } = await start({ maxMemoriesPerUser: 5, maxBytesPerUser: 1_000_000 });
    // One turn produces more memories than the quota: refused, nothing of it stored.
    const one = await h.call('POST', '/v1/turns', { key: KEYS.alice, json: turn(0) });
    expect(one.status).toBe(429);
    expect((await usage(memory)).memories).toBe(0);
    await h.close();
    await engine?.close();

    const big = await start({ maxMemoriesPerUser: 40, maxBytesPerUser: 1_000_000 });
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        big.h.call('POST', '/v1/turns', { key: KEYS.alice, json: turn(i) }),
      ),
    );
    const ok = replies.filter((r) => r.status === 200);
    const stored = ok.reduce((n, r) => n + (r.body as { stored: unknown[] }).stored.length, 0);
    const now = await usage(big.memory);
    expect(ok.length).toBeGreaterThan(0);
    expect(replies.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(ok.length + replies.filter((r) => r.status === 429).length).toBe(12);
    expect(now.memories).toBeLessThanOrEqual(40);
    // Exactly what the accepted turns reported: no refused turn left part of itself behind.
    expect(now.memories).toBe(stored);
  });

  it('POST /v1/import: an import over the quota is refused whole; parallel imports never pass it', async () => {
    const { h, memory } = await start({ maxMemoriesPerUser: 5, maxBytesPerUser: 1_000_000 });
    const line = (i: number, tag: string) =>
      JSON.stringify({
        kind: 'memory',
        id: `imp-${tag}-${i}`,
        userId: 'alice',
        layer: 'semantic',
        content: `imported ${tag} ${i}`,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        importance: 0.5,
        strength: 1,
        accessCount: 0,
        lastAccessedAt: null,
        sources: [],
        links: [],
        metadata: {},
        version: 1,
        supersededBy: null,
        embeddingModel: null,
      });
    const ndjson = (tag: string, n: number) => Array.from({ length: n }, (_, i) => line(i, tag)).join('\n');
    const big = await h.call('POST', '/v1/import', {
      key: KEYS.alice,
      raw: ndjson('big', 8),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(big.status).toBe(429);
    expect((await usage(memory)).memories).toBe(0);
    const replies = await Promise.all(
      ['a', 'b', 'c', 'd'].map((tag) =>
        h.call('POST', '/v1/import', {
          key: KEYS.alice,
          raw: ndjson(tag, 3),
          headers: { 'content-type': 'application/x-ndjson' },
        }),
      ),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(3);
    expect((await usage(memory)).memories).toBe(3);
  });
});

describe('quotas on the Open WebUI outlet', () => {
  const outlet = (i: number) => ({
    user: { id: 'alice', email: 'alice@example.com', name: 'Alice', role: 'user' },
    body: {
      model: 'llama3.1:8b',
      chat_id: `chat-${i}`,
      messages: [
        { id: `u-${i}`, role: 'user', content: `I just moved to town ${i} and I love the tram.` },
        { id: `a-${i}`, role: 'assistant', content: `Welcome to town ${i}! The tram is a lovely ride.` },
      ],
    },
  });

  it('8 parallel outlet calls with a quota of 5 memories / 400 bytes: never over it, refused turns dead-lettered', async () => {
    const { h, memory } = await start({ maxMemoriesPerUser: 5, maxBytesPerUser: 400 });
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.call('POST', '/strata/filter/outlet', { json: outlet(i) })),
    );
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const now = await usage(memory);
    expect(now.memories).toBeLessThanOrEqual(5);
    expect(now.bytes).toBeLessThanOrEqual(400);
    // A turn produces more than 5 memories here, so every turn is refused and kept.
    const dead = deadTurns(h.dataDir);
    expect(dead).toHaveLength(8);
    expect(dead.every((entry) => /Quota exceeded/.test(entry.lastError))).toBe(true);
    expect(h.server.strata.outbox.depth()).toBe(0);
    expect((await h.call('GET', '/metrics')).text).toMatch(/strata_turn_dead_letter_depth 8/);
  });

  it('with room for some turns: stored ones fit, the rest are all in the dead-letter folder', async () => {
    const { h, memory } = await start({ maxMemoriesPerUser: 30, maxBytesPerUser: 1_000_000 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => h.call('POST', '/strata/filter/outlet', { json: outlet(i) })),
    );
    const now = await usage(memory);
    expect(now.memories).toBeLessThanOrEqual(30);
    const chats = new Set(
      (await memory.list({ userId: 'alice', limit: 1000 })).items.map((m) => m.metadata.chatId),
    );
    const dead = deadTurns(h.dataDir);
    expect(chats.size).toBeGreaterThan(0);
    expect(dead.length).toBeGreaterThan(0);
    // Every turn is either stored or dead-lettered, never both, never lost.
    expect(chats.size + dead.length).toBe(10);
    for (const entry of dead) expect(chats.has(entry.turn.chatId)).toBe(false);
  });
});

describe('quotas on MCP and the proxy', () => {
  it('MCP remember: 7 parallel calls against a quota of 5 store 5', async () => {
    const { h, memory } = await start({ maxMemoriesPerUser: 5, maxBytesPerUser: 1_000_000 });
    const client = async () => {
      const c = new Client({ name: 'strata-test', version: '1.0.0' });
      await c.connect(
        new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${KEYS.alice}` } },
        }),
      );
      return c;
    };
    const clients = await Promise.all(Array.from({ length: 7 }, () => client()));
    const replies = (await Promise.all(
      clients.map((c, i) => c.callTool({ name: 'remember', arguments: { content: `remembered fact ${i}` } })),
    )) as Array<{ isError?: boolean; content: Array<{ text: string }> }>;
    expect(replies.filter((r) => !r.isError)).toHaveLength(5);
    const refused = replies.filter((r) => r.isError);
    expect(refused).toHaveLength(2);
    expect(refused[0]?.content[0]?.text).toMatch(/maxMemoriesPerUser/);
    expect((await usage(memory)).memories).toBe(5);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('proxy: 6 parallel chats with room for some turns never pass the quota; refused turns are dead-lettered', async () => {
    const upstream: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            object: 'chat.completion',
            choices: [{ message: { role: 'assistant', content: 'Noted, you like hiking in the hills.' } }],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    try {
      const baseUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
      const { h, memory } = await start(
        { maxMemoriesPerUser: 12, maxBytesPerUser: 1_000_000 },
        { upstream: { baseUrl } },
      );
      const replies = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          fetch(`${h.url}/v1/chat/completions`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${KEYS.alice}`,
              'content-type': 'application/json',
              'x-strata-chat-id': `proxy-chat-${i}`,
            },
            body: JSON.stringify({
              model: 'm',
              messages: [{ role: 'user', content: `I like hiking in hill range ${i} on weekends.` }],
            }),
          }),
        ),
      );
      expect(replies.every((r) => r.status === 200)).toBe(true);
      const chatsOf = async () =>
        new Set((await memory.list({ userId: 'alice', limit: 1000 })).items.map((m) => m.metadata.chatId));
      await until(async () => (await chatsOf()).size + deadTurns(h.dataDir).length === 6);
      const now = await usage(memory);
      expect(now.memories).toBeLessThanOrEqual(12);
      const chats = await chatsOf();
      const dead = deadTurns(h.dataDir);
      expect(chats.size).toBeGreaterThan(0);
      expect(dead.length).toBeGreaterThan(0);
      expect(chats.size + dead.length).toBe(6);
      expect(h.server.strata.outbox.depth()).toBe(0);
    } finally {
      upstream.close();
    }
  });
});
