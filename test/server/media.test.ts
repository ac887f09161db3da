/**
 * Media over a real socket: POST /v1/turns with an image stores it and GET /v1/media/{id}
 * serves the bytes to their owner only; every kind of bad media (corrupt, wrong type, not
 * media at all, oversize, a decompression bomb, too many items, over the byte quota, a URL
 * to a loopback, private or link-local address, by IP or by a name that resolves there)
 * gets its 4xx with a typed code and reason, and stores nothing. The refused URLs point at
 * a listening server that counts connections: it sees none. With the range allowed, the
 * same server's image (also behind a redirect) is fetched and stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/engine/engine.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import { engineConfig, tempDir } from '../../test-support/engine/e2e-engine.ts';
import { startImageServer } from '../../test-support/media/fake-endpoints.ts';
import { bombPng, dataUrl, hasImageMagick, renderText, silenceWav } from '../../test-support/media/render.ts';
import { errorOf, type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';

const dir = tempDir('strata-media-http-');
let memory: StrataMemory;
let harness: Harness;
let images: Awaited<ReturnType<typeof startImageServer>>;
const magick = hasImageMagick();
// A valid PNG without ImageMagick: 1×1 grey (OCR finds no text in it).
const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);
const png = () => (magick ? renderText('Gate B12 boarding 14:05') : TINY_PNG);

const turn = (parts: unknown[], userId = 'alice', files?: unknown[]) => ({
  userId,
  chatId: 'media-chat',
  messages: [
    {
      role: 'user',
      content: [{ type: 'text', text: 'look at this' }, ...parts],
      ...(files ? { files } : {}),
    },
    { role: 'assistant', content: 'Looking.' },
  ],
});
const image = (url: string) => ({ type: 'image_url', image_url: { url } });

beforeAll(async () => {
  images = await startImageServer(TINY_PNG);
  memory = createMemory(
    engineConfig('sqlite', dir.path, {
      media: { maxBytes: 200_000, maxPixels: 4_000_000, maxPerMessage: 2, fetch: { enabled: true } },
    }),
  );
  harness = await startHarness(memory, { server: { quotas: { maxBytesPerUser: 400_000 } } });
}, 30_000);

afterAll(async () => {
  await harness.close();
  await memory.close();
  await images.close();
  dir.remove();
});

async function nothingStored(userId: string) {
  const stats = await memory.stats(userId);
  expect(stats.memories).toBe(0);
  expect(stats.media?.blobs).toBe(0);
}

describe('media over HTTP', () => {
  it('stores an image from POST /v1/turns and serves it to its owner only', async () => {
    const bytes = png();
    const stored = await harness.call('POST', '/v1/turns', {
      key: KEYS.alice,
      json: turn([image(dataUrl('image/png', bytes))]),
    });
    expect(stored.status).toBe(200);
    const user = (
      stored.body as { stored: Array<{ metadata: { media?: Array<{ id: string }> } }> }
    ).stored.find((m) => m.metadata.media);
    const id = user?.metadata.media?.[0]?.id ?? '';
    expect(id).toMatch(/^[0-9a-f]{64}$/);

    const mine = await fetch(`${harness.url}/v1/media/${id}`, {
      headers: { authorization: `Bearer ${KEYS.alice}` },
    });
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toBe('image/png');
    expect(mine.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await mine.arrayBuffer()).equals(bytes)).toBe(true);

    const bobs = await harness.call('GET', `/v1/media/${id}`, { key: KEYS.bob });
    expect(bobs.status).toBe(404);
    const bobAsAlice = await harness.call('GET', `/v1/media/${id}?userId=alice`, { key: KEYS.bob });
    expect(bobAsAlice.status).toBe(403);
    const admin = await harness.call('GET', `/v1/media/${id}?userId=alice`);
    expect(admin.status).toBe(200);
    const recall = await harness.call('POST', '/v1/recall', {
      key: KEYS.alice,
      json: {
        messages: [{ role: 'user', content: magick ? 'which gate was boarding?' : 'what did I show you?' }],
      },
    });
    expect((recall.body as { context: string }).context).toContain(`/v1/media/${id}`);
  }, 60_000);

  const refusals: Array<[string, () => unknown[], number, string, string]> = [
    [
      'a corrupt PNG',
      () => [image(dataUrl('image/png', Buffer.concat([TINY_PNG.subarray(0, 12), Buffer.from('garbage')])))],
      400,
      'validation_error',
      'corrupt',
    ],
    [
      'bytes that are no media at all',
      () => [image(dataUrl('image/png', Buffer.from('just some text, not an image')))],
      400,
      'validation_error',
      'corrupt',
    ],
    [
      'a PNG declared as JPEG',
      () => [image(dataUrl('image/jpeg', TINY_PNG))],
      415,
      'unsupported_media_type',
      'type_mismatch',
    ],
    [
      'a text/plain data URL',
      () => [image(dataUrl('text/plain', Buffer.from('hello')))],
      415,
      'unsupported_media_type',
      'unsupported_type',
    ],
    [
      'audio sent as an image',
      () => [image(dataUrl('audio/wav', silenceWav(0.2)))],
      415,
      'unsupported_media_type',
      'type_mismatch',
    ],
    [
      'an image over media.maxBytes',
      () => [image(dataUrl('image/png', Buffer.concat([TINY_PNG, Buffer.alloc(300_000)])))],
      413,
      'payload_too_large',
      'too_large',
    ],
    [
      'a decompression bomb (50 000 × 50 000 in a few KB)',
      () => [image(dataUrl('image/png', bombPng(50_000, 50_000)))],
      413,
      'payload_too_large',
      'too_many_pixels',
    ],
    [
      'more items than media.maxPerMessage',
      () => [1, 2, 3].map(() => image(dataUrl('image/png', TINY_PNG))),
      413,
      'payload_too_large',
      'too_many_items',
    ],
    [
      'a loopback URL',
      () => [image(`${images.url}/image.png`)],
      400,
      'validation_error',
      'address_not_allowed',
    ],
    [
      'a host name that resolves to loopback',
      () => [image(`${images.url.replace('127.0.0.1', 'localhost')}/image.png`)],
      400,
      'validation_error',
      'address_not_allowed',
    ],
    [
      'a link-local (cloud metadata) URL',
      () => [image('http://169.254.169.254/latest/meta-data/')],
      400,
      'validation_error',
      'address_not_allowed',
    ],
    [
      'a private-network URL',
      () => [image('http://10.0.0.7/cat.png')],
      400,
      'validation_error',
      'address_not_allowed',
    ],
    [
      'an IPv4-mapped IPv6 loopback URL',
      () => [image('http://[::ffff:127.0.0.1]:9/x.png')],
      400,
      'validation_error',
      'address_not_allowed',
    ],
  ];

  for (const [what, parts, status, code, reason] of refusals) {
    it(`refuses ${what} with ${status} ${code} (${reason}) and stores nothing`, async () => {
      const before = images.connections();
      const reply = await harness.call('POST', '/v1/turns', { key: KEYS.bob, json: turn(parts(), 'bob') });
      expect(reply.status).toBe(status);
      expect(errorOf(reply.body).code).toBe(code);
      expect((reply.body as { error: { details?: { reason?: string } } }).error.details?.reason).toBe(reason);
      expect(errorOf(reply.body).message.length).toBeGreaterThan(20);
      expect(images.connections()).toBe(before);
      await nothingStored('bob');
    });
  }

  it('refuses an Open WebUI image attachment that is corrupt, like a content part', async () => {
    const reply = await harness.call('POST', '/v1/turns', {
      key: KEYS.bob,
      json: turn([], 'bob', [{ type: 'image', url: dataUrl('image/png', Buffer.from('broken')) }]),
    });
    expect(reply.status).toBe(400);
    expect(errorOf(reply.body).message).toContain('files[0]');
    await nothingStored('bob');
  });

  it('refuses an image that would pass the byte quota, storing none of that turn', async () => {
    const sized = (fill: number) =>
      dataUrl('image/png', Buffer.concat([TINY_PNG, Buffer.alloc(150_000, fill)]));
    const post = (fill: number) =>
      harness.call('POST', '/v1/turns', {
        json: { ...turn([image(sized(fill))], 'carol'), chatId: `chat-${fill}` },
      });
    expect((await post(1)).status).toBe(200);
    expect((await post(2)).status).toBe(200);
    const before = await memory.stats('carol');
    const over = await post(3);
    expect(over.status).toBe(413);
    expect(errorOf(over.body).code).toBe('payload_too_large');
    expect(errorOf(over.body).message).toContain('server.quotas.maxBytesPerUser');
    expect(await memory.stats('carol')).toMatchObject({ memories: before.memories, media: before.media });
    expect(before.media?.blobs).toBe(2);
  });
});

describe('fetching image URLs from an allowed range', () => {
  it('fetches, follows a redirect, and stores the image', async () => {
    const local = tempDir('strata-media-fetch-');
    const allowed = createMemory(
      engineConfig('sqlite', local.path, {
        media: { fetch: { enabled: true, allowCidrs: ['127.0.0.1/32'] } },
      }),
    );
    const server = await startHarness(allowed);
    try {
      const reply = await server.call('POST', '/v1/turns', { json: turn([image(`${images.url}/moved`)]) });
      expect(reply.status).toBe(200);
      expect(images.connections()).toBeGreaterThan(0);
      expect((await allowed.stats('alice')).media).toEqual({ blobs: 1, bytes: TINY_PNG.length });
    } finally {
      await server.close();
      await allowed.close();
      local.remove();
    }
  });
});
