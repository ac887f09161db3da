/**
 * Images and voice through the library on a real SQLite file: an ImageMagick-rendered PNG
 * is OCR'd offline and recall finds it by its text (with the reference to fetch it), the
 * same picture twice is one blob, EXIF written byte by byte dates a temporal event (with
 * and without the camera's offset), a fake vision endpoint captions and a fake
 * transcription endpoint transcribes over real sockets, espeak-ng speech goes through
 * pocketsphinx where both are installed, blobs are sealed with encryption on, exported,
 * imported (tampering refused), owner-scoped and deleted with the user.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { StrataConfigInput } from '../src/config/schema.ts';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { generateKey } from '../src/security/cipher.ts';
import type { ChatMessage, Memory } from '../src/types.ts';
import { engineConfig, errorOf, readStream, tempDir } from '../test-support/engine/e2e-engine.ts';
import { withExif } from '../test-support/media/exif.ts';
import { startFakeEndpoints } from '../test-support/media/fake-endpoints.ts';
import {
  bombPng,
  dataUrl,
  hasEspeak,
  hasImageMagick,
  hasPocketsphinx,
  renderPhoto,
  renderText,
  silenceWav,
  speak,
} from '../test-support/media/render.ts';

const magick = hasImageMagick();
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

function engine(extra: StrataConfigInput = {}): { memory: StrataMemory; dir: string } {
  const dir = tempDir('strata-media-');
  const memory = createMemory(engineConfig('sqlite', dir.path, extra));
  cleanups.push(() => dir.remove());
  cleanups.push(() => memory.close());
  return { memory, dir: dir.path };
}

const imageTurn = (userId: string, text: string, image: Buffer, mime = 'image/png', reply = 'Got it.') => ({
  userId,
  chatId: 'c1',
  messages: [
    {
      role: 'user' as const,
      content: [
        { type: 'text' as const, text },
        { type: 'image_url' as const, image_url: { url: dataUrl(mime, image) } },
      ],
    },
    { role: 'assistant' as const, content: reply },
  ],
});

const userMessage = (stored: Memory[]) =>
  stored.find((m) => m.layer === 'episodic' && m.metadata.kind === 'message' && m.metadata.role === 'user');

const mediaOf = (m: Memory | undefined) => (m?.metadata.media ?? []) as Array<Record<string, unknown>>;

const ask = (userId: string, content: string): { userId: string; messages: ChatMessage[] } => ({
  userId,
  messages: [{ role: 'user', content }],
});

describe.skipIf(!magick)('images (ImageMagick renders them)', () => {
  it('OCR round trip: an image added with a few words is recalled by the text inside it', async () => {
    const { memory } = engine();
    const png = renderText('Invoice total 42 euros');
    const result = await memory.observeTurn(imageTurn('alice', 'my receipt from the harbour cafe', png));
    const stored = userMessage(result.stored);
    expect(stored?.content).toBe('User: my receipt from the harbour cafe\n[image: "Invoice total 42 euros"]');
    const [ref] = mediaOf(stored);
    const id = createHash('sha256').update(png).digest('hex');
    expect(ref).toMatchObject({ id, kind: 'image', mimeType: 'image/png', bytes: png.length });
    expect(ref?.ocrText).toBe('Invoice total 42 euros');

    const hits = await memory.search({ userId: 'alice', query: 'invoice euros', mode: 'keyword' });
    expect(hits[0]?.memory.metadata.media).toBeDefined();
    const recalled = await memory.recall(ask('alice', 'What was the invoice total?'));
    const line = recalled.context.split('\n').find((l) => l.includes('Invoice total 42 euros'));
    expect(line).toContain(`(image: /v1/media/${id})`);
    expect(line).toContain('harbour cafe');

    const blob = await memory.getMedia('alice', id);
    expect(blob.data.equals(png)).toBe(true);
    expect(blob.mimeType).toBe('image/png');
    expect((await memory.stats('alice')).media).toEqual({ blobs: 1, bytes: png.length });
  }, 60_000);

  it('keeps one blob for the same picture, skips a repeated turn and refuses another user the id', async () => {
    const { memory } = engine();
    const png = renderText('Platform 9');
    const first = await memory.observeTurn(imageTurn('alice', 'the train ticket', png));
    expect(first.skipped).toBe(false);
    expect((await memory.observeTurn(imageTurn('alice', 'the train ticket', png))).skipped).toBe(true);
    await memory.observeTurn(
      imageTurn('alice', 'the same ticket again, later', png, 'image/png', 'Seen it.'),
    );
    expect((await memory.stats('alice')).media?.blobs).toBe(1);
    const id = String(mediaOf(userMessage(first.stored))[0]?.id);
    expect((await errorOf(memory.getMedia('bob', id))).code).toBe('not_found');
    expect((await errorOf(memory.getMedia('alice', 'not-an-id'))).code).toBe('not_found');
    expect(await memory.deleteUser('alice')).toBeGreaterThan(0);
    expect((await errorOf(memory.getMedia('alice', id))).code).toBe('not_found');
    expect((await memory.stats('alice')).media).toEqual({ blobs: 0, bytes: 0 });
  }, 60_000);

  it('dates a photo by its EXIF: an event at the camera time, found by a question about that month', async () => {
    const { memory } = engine({ timeZone: 'Europe/Berlin' });
    const jpeg = withExif(renderPhoto(), {
      dateTimeOriginal: '2021:03:14 10:22:05',
      offsetTimeOriginal: '+01:00',
      latitude: 52.5163,
      longitude: 13.3777,
    });
    const result = await memory.observeTurn(imageTurn('alice', 'sunset over the river', jpeg, 'image/jpeg'));
    const event = result.stored.find((m) => m.layer === 'temporal' && m.metadata.source === 'exif');
    expect(event?.metadata).toMatchObject({
      kind: 'event',
      eventAt: '2021-03-14T09:22:05.000Z',
      exifZone: 'exif',
    });
    expect(event?.content).toBe('Photo taken Sunday 14 March 2021 10:22 at 52.5163, 13.3777: [image]');
    expect(userMessage(result.stored)?.content).toContain('[image (taken Sunday 14 March 2021 10:22)]');
    expect(mediaOf(userMessage(result.stored))[0]).toMatchObject({
      place: { latitude: 52.5163, longitude: 13.3777 },
    });

    const recalled = await memory.recall(ask('alice', 'What did I photograph in March 2021?'));
    expect(
      recalled.memories
        .slice(0, 3)
        .map((r) => r.memory.content)
        .join('\n'),
    ).toContain('sunset over the river');
  }, 60_000);

  it("reads an EXIF time without an offset in the user's time zone, not the server's", async () => {
    const { memory } = engine({ timeZone: 'America/New_York' });
    const jpeg = withExif(renderPhoto(), { dateTimeOriginal: '2022:07:04 21:30:00' });
    const result = await memory.observeTurn(imageTurn('alice', 'fireworks', jpeg, 'image/jpeg'));
    const event = result.stored.find((m) => m.layer === 'temporal' && m.metadata.source === 'exif');
    // 21:30 EDT (UTC−4) on 4 July.
    expect(event?.metadata).toMatchObject({ eventAt: '2022-07-05T01:30:00.000Z', exifZone: 'assumed' });
  }, 60_000);

  it('captions an image through a configured vision endpoint, and goes on without one when it fails', async () => {
    const fake = await startFakeEndpoints();
    cleanups.push(() => fake.close());
    const { memory } = engine({
      media: {
        caption: { baseUrl: fake.baseUrl, apiKey: 'sk-vision', model: 'llava' },
        ocr: { mode: 'off' },
      },
    });
    const png = renderText('milk eggs bread');
    const result = await memory.observeTurn(imageTurn('alice', 'for later', png));
    expect(userMessage(result.stored)?.content).toBe(
      'User: for later\n[image: A hand-written shopping list on a kitchen table]',
    );
    const request = fake.seen[0];
    expect(request?.authorization).toBe('Bearer sk-vision');
    expect(request?.json?.model).toBe('llava');
    expect(JSON.stringify(request?.json?.messages)).toContain(
      `data:image/png;base64,${png.toString('base64')}`,
    );
    const hits = await memory.search({ userId: 'alice', query: 'shopping list', mode: 'keyword' });
    expect(hits.length).toBeGreaterThan(0);

    fake.reply.status = 503;
    const other = await memory.observeTurn(imageTurn('alice', 'another one', renderText('tea')));
    expect(userMessage(other.stored)?.content).toBe('User: another one\n[image]');
  }, 60_000);

  it('seals blobs with encryption on: no plaintext on disk, the same bytes back, re-sealed by rotateKeys', async () => {
    const oldKey = generateKey();
    const first = engine({ encryption: { key: oldKey } });
    const png = renderText('Secret code 7731');
    await first.memory.observeTurn(imageTurn('alice', 'my locker', png));
    const id = createHash('sha256').update(png).digest('hex');
    const mediaDir = join(first.dir, 'media');
    const [userDir] = readdirSync(mediaDir);
    const files = readdirSync(join(mediaDir, userDir!)).map((f) => readFileSync(join(mediaDir, userDir!, f)));
    expect(files).toHaveLength(2);
    for (const file of files) {
      expect(file.includes(png.subarray(0, 16))).toBe(false);
      expect(file.toString('latin1')).not.toContain('Secret code');
    }
    expect((await first.memory.getMedia('alice', id)).data.equals(png)).toBe(true);
    await first.memory.close();

    const rotated = createMemory(
      engineConfig('sqlite', first.dir, { encryption: { key: generateKey(), previousKeys: [oldKey] } }),
    );
    cleanups.push(() => rotated.close());
    expect((await rotated.getMedia('alice', id)).data.equals(png)).toBe(true);
    const { rewritten } = await rotated.rotateKeys();
    expect(rewritten).toBeGreaterThanOrEqual(2);
    expect((await rotated.getMedia('alice', id)).data.equals(png)).toBe(true);
  }, 60_000);

  it('exports blobs with the memories and imports them again, idempotently; altered bytes are refused', async () => {
    const source = engine();
    const png = renderText('Room 214');
    await source.memory.observeTurn(imageTurn('alice', 'hotel room', png));
    const ndjson = await readStream(source.memory.export('alice'));
    const mediaLines = ndjson.split('\n').filter((l) => l.includes('"kind":"media"'));
    expect(mediaLines).toHaveLength(1);

    const target = engine();
    const imported = await target.memory.import(ndjson, { userId: 'alice' });
    expect(imported.media).toBe(1);
    const id = createHash('sha256').update(png).digest('hex');
    expect((await target.memory.getMedia('alice', id)).data.equals(png)).toBe(true);
    const again = await target.memory.import(ndjson, { userId: 'alice' });
    expect(again.media).toBeUndefined();
    expect((await target.memory.stats('alice')).media?.blobs).toBe(1);

    const line = JSON.parse(mediaLines[0]!) as { data: string };
    const bytes = Buffer.from(line.data, 'base64');
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    const tampered = JSON.stringify({ ...line, data: bytes.toString('base64') });
    const fresh = engine();
    const error = await errorOf(fresh.memory.import(`${tampered}\n`, { userId: 'alice' }));
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain('not the sha256');
    expect((await fresh.memory.stats('alice')).media?.blobs).toBe(0);
  }, 60_000);

  it('refuses a corrupt image, a wrong declared type and a decompression bomb, storing nothing', async () => {
    const { memory, dir } = engine({ media: { maxPixels: 10_000_000 } });
    const png = renderText('ok');
    const corrupt = Buffer.concat([png.subarray(0, 8), Buffer.from('not a png chunk at all')]);
    expect((await errorOf(memory.observeTurn(imageTurn('alice', 'x', corrupt)))).details.reason).toBe(
      'corrupt',
    );
    const asJpeg = await errorOf(memory.observeTurn(imageTurn('alice', 'x', png, 'image/jpeg')));
    expect(asJpeg.code).toBe('unsupported_media_type');
    const bomb = await errorOf(memory.observeTurn(imageTurn('alice', 'x', bombPng(50_000, 50_000))));
    expect(bomb.code).toBe('payload_too_large');
    expect(bomb.details.reason).toBe('too_many_pixels');
    expect((await memory.stats('alice')).memories).toBe(0);
    expect(() => statSync(join(dir, 'media'))).toThrow();
  }, 60_000);
});

describe('voice', () => {
  it('transcribes input_audio through a configured endpoint: the transcript is the memory, with its timing', async () => {
    const fake = await startFakeEndpoints();
    cleanups.push(() => fake.close());
    const { memory } = engine({
      media: {
        transcription: { kind: 'openai', baseUrl: fake.baseUrl, model: 'whisper-small', language: 'en' },
      },
    });
    const audio = silenceWav(1.5);
    const result = await memory.observeTurn({
      userId: 'alice',
      messages: [
        {
          role: 'user',
          content: [{ type: 'input_audio', input_audio: { data: audio.toString('base64'), format: 'wav' } }],
        },
        { role: 'assistant', content: 'I will remind you.' },
      ],
    });
    const stored = userMessage(result.stored);
    expect(stored?.content).toBe('User: Remind me to water the tomatoes on Saturday.');
    expect(mediaOf(stored)[0]).toMatchObject({
      kind: 'audio',
      mimeType: 'audio/wav',
      durationSeconds: 1.5,
      transcribedBy: 'openai:whisper-small',
      segments: fake.reply.segments,
    });
    expect(fake.seen[0]?.form).toEqual({
      model: 'whisper-small',
      responseFormat: 'verbose_json',
      language: 'en',
      fileType: 'audio/wav',
      fileBytes: audio.length,
    });
    const recalled = await memory.recall(ask('alice', 'what about the tomatoes?'));
    expect(recalled.context).toMatch(/water the tomatoes.*\(voice: \/v1\/media\/[0-9a-f]{64}\)/);
    expect(result.stored.some((m) => m.layer === 'temporal' && m.metadata.kind === 'event')).toBe(true);

    fake.reply.status = 500;
    const failed = await errorOf(
      memory.observeTurn({
        userId: 'bob',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'input_audio', input_audio: { data: audio.toString('base64'), format: 'wav' } },
            ],
          },
        ],
      }),
    );
    expect(failed.code).toBe('upstream_error');
    expect(failed.retryable).toBe(true);
    expect((await memory.stats('bob')).memories).toBe(0);
    expect((await memory.stats('bob')).media?.blobs).toBe(0);
  }, 60_000);

  it('keeps a recording without a configured engine as a blob with a placeholder', async () => {
    const { memory } = engine();
    const result = await memory.observeTurn({
      userId: 'alice',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'input_audio', input_audio: { data: silenceWav(0.5).toString('base64'), format: 'wav' } },
          ],
        },
      ],
    });
    expect(userMessage(result.stored)?.content).toBe('User: [voice message]');
    expect((await memory.stats('alice')).media?.blobs).toBe(1);
  });

  const offline = hasEspeak() && hasPocketsphinx();
  it.skipIf(!offline)(
    `transcribes espeak-ng speech offline with pocketsphinx${offline ? '' : ' (skipped: espeak-ng or pocketsphinx is not installed; apt-get install espeak-ng pocketsphinx pocketsphinx-en-us)'}`,
    async () => {
      const { memory } = engine({ media: { transcription: { kind: 'pocketsphinx' } } });
      const speech = speak('hello world tomorrow');
      const result = await memory.observeTurn({
        userId: 'alice',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'input_audio', input_audio: { data: speech.toString('base64'), format: 'wav' } },
            ],
          },
        ],
      });
      const stored = userMessage(result.stored);
      expect(stored?.content.toLowerCase()).toContain('hello world');
      const [ref] = mediaOf(stored);
      expect(ref?.transcribedBy).toBe('pocketsphinx');
      expect((ref?.segments as unknown[] | undefined)?.length).toBeGreaterThan(0);
      const recalled = await memory.recall(ask('alice', 'hello world'));
      expect(recalled.context).toContain('(voice: /v1/media/');
    },
    60_000,
  );
});
