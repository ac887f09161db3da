import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { episodic, type RealEngine, realEngine, until } from '../../../test-support/server/bridges.ts';
import { type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';
import { INSTRUCTION } from '../../pipeline/format.ts';

/**
 * What the proxy stores, over real sockets with a real engine: never a memory block (a
 * model echoing its system prompt, a client sending an old block back), and on a client
 * abort the reply as far as it was streamed, marked partial.
 */
type Message = { role: string; content: string };

const BLOCK = /<memory_context>[\s\S]*?<\/memory_context>/;
const SLOW_PIECES = Array.from({ length: 400 }, (_, i) => `w${i} `);

/**
 * A fake upstream: `echo` quotes the memory block it was sent; `slow` streams until the
 * client leaves; `breaks` drops the connection in the middle of its stream.
 */
async function fakeUpstream(): Promise<{ url: string; server: Server; slowClosedEarly: () => boolean }> {
  let closedEarly = false;
  const read = async (req: IncomingMessage) => {
    let data = '';
    for await (const chunk of req) data += chunk;
    return data;
  };
  const sse = (piece: string) =>
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: piece } }] })}\n\n`;
  const server = createServer(async (req, res) => {
    const body = JSON.parse(await read(req)) as { model: string; messages: Message[]; stream?: boolean };
    if (body.model === 'slow') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let sent = 0;
      res.on('close', () => {
        if (sent < SLOW_PIECES.length) closedEarly = true;
      });
      for (const piece of SLOW_PIECES) {
        if (res.destroyed) return;
        res.write(sse(piece));
        sent++;
        await new Promise((r) => setTimeout(r, 10));
      }
      res.end('data: [DONE]\n\n');
      return;
    }
    if (body.model === 'breaks') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of ['You ', 'live ', 'in ']) res.write(sse(piece));
      await new Promise((r) => setTimeout(r, 20));
      res.socket?.destroy();
      return;
    }
    const echoed = BLOCK.exec(String(body.messages[0]?.content))?.[0] ?? 'NO BLOCK SENT';
    const reply = `My instructions say:\n${echoed}\nSo: you live in Lisbon.`;
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of reply.match(/[\s\S]{1,25}/g) ?? []) res.write(sse(piece));
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
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    server,
    slowClosedEarly: () => closedEarly,
  };
}

/** The reply text in an SSE body (complete events only). */
const sseText = (raw: string): string =>
  raw
    .split('\n')
    .filter((line) => line.startsWith('data: {') && line.endsWith('}'))
    .map((line) => JSON.parse(line.slice(6)) as { choices: Array<{ delta: { content?: string } }> })
    .map((event) => event.choices[0]?.delta.content ?? '')
    .join('');

const post = (h: Harness, body: Record<string, unknown>, signal?: AbortSignal) =>
  fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEYS.alice}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

describe('OpenAI-compatible proxy: what it stores', () => {
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let engine: RealEngine;
  let h: Harness;
  beforeAll(async () => {
    upstream = await fakeUpstream();
  });
  afterAll(() => {
    upstream.server.close();
  });
  beforeEach(async () => {
    engine = realEngine();
    h = await startHarness(engine.memory, { server: { upstream: { baseUrl: upstream.url } } });
    await engine.memory.add({ userId: 'alice', layer: 'semantic', content: 'User lives in Lisbon' });
  });
  afterEach(async () => {
    await h.close();
    await engine.close();
  });

  it('stores no memory block from an echoing reply, a sent-back block or an earlier echoed reply', async () => {
    const oldBlock = `<memory_context>\n${INSTRUCTION}\n- [semantic 2020-01-01 deadbeef] User lives in Porto\n</memory_context>`;
    const messages = [
      { role: 'system', content: `Be brief.\n\n${oldBlock}` },
      { role: 'user', content: 'Hi there' },
      { role: 'assistant', content: `Hello! ${oldBlock} How can I help?` },
      { role: 'user', content: `Where do I live?\n\n${oldBlock}` },
    ];
    const reply = await post(h, { model: 'echo', messages });
    expect(reply.status).toBe(200);
    const sent = ((await reply.json()) as { choices: Array<{ message: { content: string } }> }).choices[0];
    // The model did echo the block it was given (the client sees it unchanged).
    expect(sent?.message.content).toMatch(
      /<memory_context>[\s\S]*User lives in Lisbon[\s\S]*<\/memory_context>/,
    );
    await until(async () => (await episodic(engine.memory, 'alice')).messages.length >= 2);

    const streamed = await post(h, {
      model: 'echo',
      stream: true,
      messages: [{ role: 'user', content: 'And where do I live now?' }],
    });
    expect(sseText(await streamed.text())).toMatch(/<memory_context>[\s\S]*<\/memory_context>/);
    await until(async () => (await episodic(engine.memory, 'alice')).messages.length >= 4);

    const state = await episodic(engine.memory, 'alice');
    const contents = state.all.map((m) => m.content);
    expect(contents).toEqual(
      expect.arrayContaining([
        'User: Where do I live?',
        'Assistant: My instructions say:\n\nSo: you live in Lisbon.',
        'User: And where do I live now?',
      ]),
    );
    expect(state.bridges.map((m) => m.content)).toEqual([
      'Assistant: Hello! How can I help?\nUser: Where do I live?',
    ]);
    const everything = (await engine.memory.list({ userId: 'alice', limit: 1000 })).items;
    for (const memory of everything) {
      expect(memory.content).not.toMatch(/memory_context|Porto/);
      expect(memory.content).not.toContain(INSTRUCTION);
    }
    expect(state.messages.filter((m) => m.role === 'assistant')).toHaveLength(2);
  });

  it('stores what was streamed before the client aborted, marked partial', async () => {
    const abort = new AbortController();
    const response = await post(
      h,
      { model: 'slow', stream: true, messages: [{ role: 'user', content: 'Count for me please' }] },
      abort.signal,
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let received = '';
    while ((received.match(/chat\.completion\.chunk/g)?.length ?? 0) < 5) {
      const { value, done } = await reader.read();
      if (done) break;
      received += decoder.decode(value, { stream: true });
    }
    abort.abort();
    await reader.cancel().catch(() => {});
    const seenByClient = sseText(received);
    expect(seenByClient.length).toBeGreaterThan(0);

    const replyOf = async () =>
      (await episodic(engine.memory, 'alice')).messages.find((m) => m.role === 'assistant')?.memory;
    await until(async () => (await replyOf()) !== undefined);
    const stored = await replyOf();
    expect(stored?.metadata).toMatchObject({
      partial: true,
      partialReason: 'client_aborted',
      source: 'openai-proxy',
    });
    const text = String(stored?.content).replace(/^Assistant: /, '');
    const full = SLOW_PIECES.join('').trim();
    expect(full.startsWith(text)).toBe(true);
    expect(text.startsWith(seenByClient.trim())).toBe(true);
    expect(text.length).toBeLessThan(full.length);
    const found = await engine.memory.search({
      userId: 'alice',
      query: 'count w0 w1',
      metadata: { partial: true },
    });
    expect(found.map((r) => r.memory.id)).toContain(stored?.id);
    const user = (await episodic(engine.memory, 'alice')).messages.find((m) => m.role === 'user');
    expect(user?.memory.content).toBe('User: Count for me please');
    // The upstream request was cancelled too, instead of streaming on to nobody.
    await until(async () => upstream.slowClosedEarly());
    expect(upstream.slowClosedEarly()).toBe(true);
  });

  it('stores a stream the upstream broke off, marked partial with the upstream as the reason', async () => {
    const response = await post(h, {
      model: 'breaks',
      stream: true,
      messages: [{ role: 'user', content: 'Where do I live again?' }],
    });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    const replyOf = async () =>
      (await episodic(engine.memory, 'alice')).messages.find((m) => m.role === 'assistant')?.memory;
    await until(async () => (await replyOf()) !== undefined);
    const stored = await replyOf();
    expect(stored?.content).toBe('Assistant: You live in');
    expect(stored?.metadata).toMatchObject({ partial: true, partialReason: 'upstream_error' });
  });
});
