/**
 * Open WebUI's outlet with images, over a real socket and a real engine: an image the user
 * attached (as a message `files` entry, Open WebUI's chat-history shape, or as an image_url
 * part) is read and referenced by the stored memory; a broken one does not lose the turn:
 * its words are stored with a placeholder and the reply comes back unchanged.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engineConfig, tempDir } from '../../../test-support/engine/e2e-engine.ts';
import { dataUrl } from '../../../test-support/media/render.ts';
import { type Harness, startHarness } from '../../../test-support/server/harness.ts';
import { createMemory } from '../../engine/engine.ts';
import type { StrataMemory } from '../../engine/strata-memory.ts';

const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);

const outlet = (user: Record<string, unknown>) => ({
  user: { id: 'alice', role: 'user' },
  body: {
    model: 'llama3',
    chat_id: 'chat-1',
    session_id: 's1',
    id: 'reply-1',
    messages: [
      { id: 'm-user', role: 'user', timestamp: 1_717_000_000, ...user },
      { id: 'reply-1', role: 'assistant', content: 'What a nice picture.', timestamp: 1_717_000_005 },
    ],
  },
});

describe('Open WebUI outlet with images', () => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  let h: Harness;
  beforeEach(async () => {
    dir = tempDir('strata-owui-media-');
    memory = createMemory(engineConfig('sqlite', dir.path, { media: { ocr: { mode: 'off' } } }));
    h = await startHarness(memory, { startOutbox: false });
  });
  afterEach(async () => {
    await h.close();
    await memory.close();
    dir.remove();
  });

  const userMemory = async () =>
    (await memory.list({ userId: 'alice', layer: 'episodic' })).items.find(
      (m) => m.metadata.kind === 'message' && m.metadata.role === 'user',
    );

  it.each([
    [
      'a files attachment',
      { content: 'my new bike', files: [{ type: 'image', url: dataUrl('image/png', TINY_PNG) }] },
    ],
    [
      'an image_url part',
      {
        content: [
          { type: 'text', text: 'my new bike' },
          { type: 'image_url', image_url: { url: dataUrl('image/png', TINY_PNG) } },
        ],
      },
    ],
  ])('keeps %s as a blob the memory references', async (_shape, user) => {
    const envelope = outlet(user);
    const reply = await h.call('POST', '/strata/filter/outlet', { json: envelope });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(envelope.body);
    const stored = await userMemory();
    expect(stored?.content).toBe('User: my new bike\n[image]');
    expect(stored?.sources[0]?.messageId).toBe('m-user');
    const [ref] = (stored?.metadata.media ?? []) as Array<{ id: string }>;
    expect((await memory.getMedia('alice', ref?.id ?? '')).data.equals(TINY_PNG)).toBe(true);
  });

  it('stores the words of a turn whose image is broken, with a placeholder', async () => {
    const envelope = outlet({
      content: 'my new bike',
      files: [{ type: 'image', url: dataUrl('image/png', Buffer.from('broken bytes')) }],
    });
    const reply = await h.call('POST', '/strata/filter/outlet', { json: envelope });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(envelope.body);
    const stored = await userMemory();
    expect(stored?.content).toBe('User: my new bike');
    expect(stored?.metadata.media).toBeUndefined();
    expect((await memory.stats('alice')).media?.blobs).toBe(0);
  });
});
