import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeMemory, type FakeMemory } from '../../../test-support/server/fake-memory.ts';
import { type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';

interface Seen {
  body: { messages: Array<{ role: string; content: string }>; stream?: boolean; model: string };
  auth: string | undefined;
}

/** A fake OpenAI-compatible upstream on a real socket: JSON and SSE replies, and a failure mode. */
async function fakeUpstream(): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const read = async (req: IncomingMessage) => {
    let data = '';
    for await (const chunk of req) data += chunk;
    return data;
  };
  const server = createServer(async (req, res) => {
    if (req.url === '/v1/models') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'upstream-model', object: 'model' }] }));
      return;
    }
    const body = JSON.parse(await read(req)) as Seen['body'];
    seen.push({ body, auth: req.headers.authorization });
    if (body.model === 'broken') {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'upstream says slow down', type: 'rate_limit' } }));
      return;
    }
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pieces = ['You ', 'live ', 'in ', 'Oslo', '.'];
      for (const piece of pieces) {
        const chunk = {
          id: 'c1',
          object: 'chat.completion.chunk',
          choices: [{ index: 0, delta: { content: piece } }],
        };
        // Split one event across two writes to exercise line reassembly.
        const line = `data: ${JSON.stringify(chunk)}\n\n`;
        res.write(line.slice(0, 10));
        res.write(line.slice(10));
        await new Promise((r) => setTimeout(r, 2));
      }
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        id: 'c2',
        object: 'chat.completion',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: 'Noted: you live in Oslo.' },
            finish_reason: 'stop',
          },
        ],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, seen, server };
}

const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
};

describe('OpenAI-compatible proxy against a fake upstream', () => {
  let h: Harness;
  let memory: FakeMemory;
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  beforeAll(async () => {
    upstream = await fakeUpstream();
    memory = createFakeMemory();
    h = await startHarness(memory, {
      server: { upstream: { baseUrl: upstream.url, apiKey: 'sk-upstream' } },
    });
    await memory.add({ userId: 'alice', content: 'Alice moved to Oslo in May', layer: 'semantic' });
  });
  afterAll(async () => {
    await h.close();
    upstream.server.close();
  });

  it('injects memory, forwards with the upstream key, and stores the turn (non-stream)', async () => {
    const reply = await h.call('POST', '/v1/chat/completions', {
      key: KEYS.alice,
      json: { model: 'm', messages: [{ role: 'user', content: 'Where did I move to, Oslo?' }] },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ choices: [{ message: { content: 'Noted: you live in Oslo.' } }] });
    const sent = upstream.seen.at(-1)!;
    expect(sent.auth).toBe('Bearer sk-upstream');
    expect(sent.body.messages[0]).toMatchObject({ role: 'system' });
    expect(sent.body.messages[0]?.content).toContain('Alice moved to Oslo');
    await until(async () =>
      (await memory.list({ userId: 'alice' })).items.some((m) => m.content.startsWith('Noted')),
    );
    const contents = (await memory.list({ userId: 'alice' })).items.map((m) => m.content);
    expect(contents).toContain('Noted: you live in Oslo.');
  });

  it('streams the reply through unchanged and stores the reassembled text after the last chunk', async () => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEYS.admin}`,
        'content-type': 'application/json',
        'x-strata-user': 'dave',
      },
      body: JSON.stringify({
        model: 'm',
        stream: true,
        messages: [{ role: 'user', content: 'Where do I live?' }],
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/event-stream/);
    const raw = await response.text();
    expect(raw).toContain('data: [DONE]');
    expect(raw.match(/chat\.completion\.chunk/g)).toHaveLength(5);
    await until(async () => (await memory.list({ userId: 'dave' })).items.length >= 2);
    const contents = (await memory.list({ userId: 'dave' })).items.map((m) => m.content);
    expect(contents).toEqual(['Where do I live?', 'You live in Oslo.']);
  });

  it('passes upstream errors through with their status and lists upstream models', async () => {
    const reply = await h.call('POST', '/v1/chat/completions', {
      key: KEYS.alice,
      json: { model: 'broken', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(reply.status).toBe(429);
    expect(reply.body).toEqual({ error: { message: 'upstream says slow down', type: 'rate_limit' } });
    const models = await h.call('GET', '/v1/models');
    expect(models.body).toMatchObject({ data: [{ id: 'upstream-model' }] });
    expect(((await h.call('GET', '/models')).body as { pipelines: boolean }).pipelines).toBe(true);
  });

  it('keeps bound keys to their own user and validates the body', async () => {
    const denied = await h.call('POST', '/v1/chat/completions', {
      key: KEYS.bob,
      json: { model: 'm', user: 'alice', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(denied.status).toBe(403);
    const bad = await h.call('POST', '/v1/chat/completions', {
      key: KEYS.bob,
      json: { model: 'm', messages: [] },
    });
    expect(bad.status).toBe(400);
    // A message that is not an object with a role is refused, naming it (was a 500, found by route fuzzing).
    for (const message of [null, 'hi', { content: 'no role' }, { role: 7, content: 'x' }]) {
      const reply = await h.call('POST', '/v1/chat/completions', {
        key: KEYS.bob,
        json: { model: 'm', messages: [{ role: 'user', content: 'hi' }, message] },
      });
      expect(reply.status, JSON.stringify(message)).toBe(400);
      expect((reply.body as { error: { message: string } }).error.message).toContain('messages[1]');
    }
  });
});
