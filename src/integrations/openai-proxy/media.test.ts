/**
 * Images through the OpenAI-compatible proxy (real engine, real sockets): the image_url
 * part of the last user message reaches the upstream unchanged and is stored as a blob the
 * user's memory references; a broken image still stores the turn's words.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataUrl } from '../../../test-support/media/render.ts';
import { episodic, type RealEngine, realEngine, until } from '../../../test-support/server/bridges.ts';
import { type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';

const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);

describe('OpenAI-compatible proxy with images', () => {
  let upstream: Server;
  let upstreamUrl: string;
  const received: unknown[] = [];
  let engine: RealEngine;
  let h: Harness;
  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      let data = '';
      for await (const chunk of req) data += chunk;
      received.push(JSON.parse(data));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'That is a fine bike.' } }] }),
      );
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => {
    upstream.close();
  });
  beforeEach(async () => {
    engine = realEngine();
    h = await startHarness(engine.memory, {
      server: { upstream: { baseUrl: upstreamUrl }, bodyLimitBytes: 4_000_000 },
    });
  });
  afterEach(async () => {
    await h.close();
    await engine.close();
  });

  const send = (image: Buffer) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEYS.alice}`,
        'content-type': 'application/json',
        'x-strata-chat-id': 'c1',
      },
      body: JSON.stringify({
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'my new bike' },
              { type: 'image_url', image_url: { url: dataUrl('image/png', image) } },
            ],
          },
        ],
      }),
    });

  const userMessage = async () => {
    await until(async () => (await episodic(engine.memory, 'alice')).messages.some((m) => m.role === 'user'));
    return (await episodic(engine.memory, 'alice')).messages.find((m) => m.role === 'user')?.memory;
  };

  it('passes the image on and stores it as a blob the memory references', async () => {
    const response = await send(TINY_PNG);
    expect(response.status).toBe(200);
    await response.text();
    const forwarded = received.at(-1) as { messages: Array<{ content: unknown }> };
    expect(JSON.stringify(forwarded.messages.at(-1)?.content)).toContain(TINY_PNG.toString('base64'));
    const stored = await userMessage();
    expect(stored?.content).toContain('my new bike');
    const [ref] = (stored?.metadata.media ?? []) as Array<{ id: string }>;
    expect((await engine.memory.getMedia('alice', ref?.id ?? '')).data.equals(TINY_PNG)).toBe(true);
  });

  it('stores the words when the image is refused', async () => {
    const response = await send(Buffer.from('not an image'));
    expect(response.status).toBe(200);
    await response.text();
    const stored = await userMessage();
    expect(stored?.content).toBe('User: my new bike\n[image]');
    expect(stored?.metadata.media).toBeUndefined();
  });
});
