import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  episodic,
  expectBridgedReply,
  expectBridgesPerUser,
  type RealEngine,
  realEngine,
  until,
} from '../../../test-support/server/bridges.ts';
import { type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';

type Message = { role: string; content: unknown };

/** A fake upstream on a real socket whose reply quotes the last user message (JSON or SSE). */
async function echoUpstream(): Promise<{ url: string; server: Server }> {
  const read = async (req: IncomingMessage) => {
    let data = '';
    for await (const chunk of req) data += chunk;
    return data;
  };
  const server = createServer(async (req, res) => {
    const body = JSON.parse(await read(req)) as { messages: Message[]; stream?: boolean };
    const last = body.messages.filter((m) => m.role === 'user').at(-1);
    const reply = `Good to know that ${String(last?.content)
      .toLowerCase()
      .replace(/[.?!]$/, '')}.`;
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of reply.split(/(?<= )/)) {
        res.write(
          `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { content: piece } }] })}\n\n`,
        );
      }
      res.end('data: [DONE]\n\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        object: 'chat.completion',
        choices: [{ message: { role: 'assistant', content: reply } }],
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server };
}

describe('OpenAI-compatible proxy bridges (real engine, real sockets)', () => {
  let engine: RealEngine;
  let h: Harness;
  let upstream: Awaited<ReturnType<typeof echoUpstream>>;
  beforeAll(async () => {
    upstream = await echoUpstream();
  });
  afterAll(() => {
    upstream.server.close();
  });
  beforeEach(async () => {
    engine = realEngine();
    h = await startHarness(engine.memory, { server: { upstream: { baseUrl: upstream.url } } });
  });
  afterEach(async () => {
    await h.close();
    await engine.close();
  });

  /** One completion as a client sends it; returns the reply text (reassembled for streams). */
  const complete = async (key: string, chatId: string, messages: Message[], stream = false) => {
    const response = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'x-strata-chat-id': chatId,
      },
      body: JSON.stringify({ model: 'm', stream, messages }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    if (!stream)
      return (JSON.parse(text) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message
        .content;
    return text
      .split('\n')
      .filter((line) => line.startsWith('data: {'))
      .map(
        (line) =>
          (JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content: string } }> }).choices[0]!.delta
            .content,
      )
      .join('');
  };
  const stored = (userId: string, count: number) =>
    until(async () => (await episodic(engine.memory, userId)).messages.length >= count);

  /** Two turns of one chat, the second one sending the first reply back as history. */
  const chat = async (key: string, userId: string, chatId: string) => {
    const first: Message[] = [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'I adopted a greyhound called Juno.' },
    ];
    const reply = await complete(key, chatId, first);
    await stored(userId, 2);
    const before = await episodic(engine.memory, userId);
    const history = [
      ...first,
      { role: 'assistant', content: reply },
      { role: 'user', content: 'She sleeps most of the day.' },
    ];
    await complete(key, chatId, history, true);
    await stored(userId, 4);
    return { reply, before, after: await episodic(engine.memory, userId) };
  };

  it('first turn stores as before; the second links the reply it answers by its derived id', async () => {
    const { reply, before, after } = await chat(KEYS.alice, 'alice', 'walks');
    expect(before.bridges).toEqual([]);
    // Ids are those observeTurn derives for a turn without ids: /v1/turns sees the same turn.
    const same = await h.call('POST', '/v1/turns', {
      key: KEYS.alice,
      json: {
        chatId: 'walks',
        messages: [
          { role: 'user', content: 'I adopted a greyhound called Juno.' },
          { role: 'assistant', content: reply },
        ],
      },
    });
    expect(same.body).toMatchObject({ skipped: true });

    expectBridgedReply(before, after, reply, 'She sleeps most of the day.');
  });

  it('keeps bridges per user: the same conversation for bob links only bob memories', async () => {
    const { after: alice } = await chat(KEYS.alice, 'alice', 'walks');
    const { after: bob } = await chat(KEYS.bob, 'bob', 'walks');
    await expectBridgesPerUser(engine.memory, alice, bob);
    const denied = await h.call('POST', '/v1/chat/completions', {
      key: KEYS.bob,
      json: { model: 'm', user: 'alice', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(denied.status).toBe(403);
  });
});
