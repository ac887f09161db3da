/**
 * The media helpers without I/O: format sniffing and header dimensions, declared-type
 * aliases, the special-address check behind URL fetching (every range, mapped forms),
 * content parts and Open WebUI attachments as slots, descriptions, pocketsphinx output
 * and WAV resampling; and OCR degrading (auto) or failing (on) when tesseract.js is absent.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../util/logger.ts';
import { compactRef, describeMedia, excerpt } from './describe.ts';
import { createOcr } from './ocr.ts';
import { messageSlots } from './parts.ts';
import { isSpecialAddress } from './safe-fetch.ts';
import { declaredMatches, sniff } from './sniff.ts';
import { parsePocketsphinx } from './transcribe.ts';
import { toPcm16k, wavSamples } from './wav.ts';

const TINY_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==',
  'base64',
);

function wav(samples: number[], rate: number, channels = 1): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => {
    data.writeInt16LE(s, i * 2);
  });
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2 * channels, 28);
  header.writeUInt16LE(2 * channels, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

describe('sniff', () => {
  it('reads type and size from headers', () => {
    expect(sniff(TINY_PNG)).toEqual({ kind: 'image', mimeType: 'image/png', width: 1, height: 1 });
    const gif = Buffer.from('GIF89a\u0040\u0001\u00f0\u0000', 'latin1');
    expect(sniff(gif)).toMatchObject({ mimeType: 'image/gif', width: 320, height: 240 });
    // JPEG: SOI, an APP0 segment, then SOF0 with height 480 and width 640.
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x01, 0xe0, 0x02, 0x80,
      0x01,
    ]);
    expect(sniff(jpeg)).toMatchObject({ mimeType: 'image/jpeg', width: 640, height: 480 });
    expect(sniff(wav([0, 0, 0, 0], 8000))?.wav).toMatchObject({
      sampleRate: 8000,
      channels: 1,
      durationSeconds: 0.0005,
    });
    expect(sniff(Buffer.from('OggS....'))?.mimeType).toBe('audio/ogg');
  });

  it('knows nothing of text, truncated headers and unknown formats', () => {
    expect(sniff(Buffer.from('hello world'))).toBeNull();
    expect(sniff(TINY_PNG.subarray(0, 16))).toBeNull();
    expect(sniff(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeNull();
  });

  it('matches declared types with their aliases', () => {
    expect(declaredMatches('image/jpg', 'image/jpeg')).toBe(true);
    expect(declaredMatches('audio/x-wav', 'audio/wav')).toBe(true);
    expect(declaredMatches('image/png; charset=binary', 'image/png')).toBe(true);
    expect(declaredMatches('image/jpeg', 'image/png')).toBe(false);
  });
});

describe('isSpecialAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '64:ff9b::a00:1',
    '2001:db8::1',
    'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isSpecialAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'lets %s through',
    (address) => {
      expect(isSpecialAddress(address)).toBe(false);
    },
  );
});

describe('messageSlots', () => {
  it('reads every part shape and Open WebUI attachments in order', () => {
    const slots = messageSlots(
      [
        { type: 'text', text: 'hi' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } },
        { type: 'input_image', image_url: 'https://example.com/a.png' },
        { type: 'image', image: 'AAAA', mediaType: 'image/png' },
        { type: 'input_audio', input_audio: { data: 'BBBB', format: 'mp3' } },
        { type: 'file', file: { file_data: 'data:audio/wav;base64,CC', filename: 'memo.wav' } },
        { type: 'file', file: { file_data: 'data:application/pdf;base64,DD' } },
        { type: 'refusal' },
      ],
      [
        { type: 'image', url: '/api/v1/files/1/content' },
        {
          type: 'file',
          name: 'voice.webm',
          url: '/api/v1/files/2',
          file: { meta: { content_type: 'audio/webm' }, data: { content: 'see you at noon' } },
        },
        { type: 'file', name: 'report.pdf', file: { meta: { content_type: 'application/pdf' } } },
      ],
      'messages[0]',
    );
    expect(slots).toEqual([
      { kind: 'text', text: 'hi' },
      {
        kind: 'media',
        item: { kind: 'image', field: 'messages[0].content[1]', url: 'data:image/png;base64,AA' },
      },
      {
        kind: 'media',
        item: { kind: 'image', field: 'messages[0].content[2]', url: 'https://example.com/a.png' },
      },
      {
        kind: 'media',
        item: { kind: 'image', field: 'messages[0].content[3]', base64: 'AAAA', declaredType: 'image/png' },
      },
      {
        kind: 'media',
        item: { kind: 'audio', field: 'messages[0].content[4]', base64: 'BBBB', declaredType: 'mp3' },
      },
      {
        kind: 'media',
        item: {
          kind: 'audio',
          field: 'messages[0].content[5]',
          url: 'data:audio/wav;base64,CC',
          name: 'memo.wav',
        },
      },
      { kind: 'placeholder', text: '[file]' },
      { kind: 'placeholder', text: '[refusal]' },
      {
        kind: 'media',
        item: { kind: 'image', field: 'messages[0].files[0]', url: '/api/v1/files/1/content' },
      },
      {
        kind: 'media',
        item: {
          kind: 'audio',
          field: 'messages[0].files[1]',
          url: '/api/v1/files/2',
          declaredType: 'audio/webm',
          name: 'voice.webm',
          text: 'see you at noon',
        },
      },
    ]);
  });
});

describe('describeMedia', () => {
  const base = { id: 'a'.repeat(64), kind: 'image' as const, mimeType: 'image/png', bytes: 10 };
  const options = { maxOcrChars: 20, timeZone: 'UTC' };
  it('says what an image shows, briefly', () => {
    expect(describeMedia(base, options)).toBe('[image]');
    expect(describeMedia({ ...base, caption: 'A cat on a sofa.' }, options)).toBe('[image: A cat on a sofa]');
    expect(describeMedia({ ...base, ocrText: 'Total due 12.50 EUR thank you for shopping' }, options)).toBe(
      '[image: "Total due 12.50 EUR…"]',
    );
    expect(
      describeMedia(
        { ...base, caption: 'A receipt', ocrText: 'Total 9', takenAt: '2020-01-02T03:04:00Z' },
        options,
      ),
    ).toBe('[image (taken Thursday 2 January 2020 03:04): A receipt. Text: "Total 9"]');
    expect(describeMedia({ ...base, kind: 'audio', transcript: 'call mum' }, options)).toBe('call mum');
    expect(excerpt('one two three', 100)).toBe('one two three');
  });

  it('keeps a compact reference in metadata', () => {
    const ref = compactRef({
      ...base,
      kind: 'audio',
      transcript: 'long text',
      ocrSkipped: 'x',
      segments: Array.from({ length: 50 }, (_, i) => ({ start: i, end: i + 1, text: 'w' })),
    });
    expect(ref.transcript).toBeUndefined();
    expect(ref.ocrSkipped).toBeUndefined();
    expect(ref.segments).toHaveLength(20);
  });
});

describe('pocketsphinx output and WAV', () => {
  it('groups timed words into utterances, dropping fillers and alternates', () => {
    const out =
      'hello world\n<s> 0.000 0.100 1.0\nhello 0.11 0.5 0.9\n<sil> 0.5 0.6 1\nworld(2) 0.61 1.0 0.8\n</s> 1.0 1.2 1\n<s> 2.0 2.1 1\n[NOISE] 2.1 2.2 1\nagain 2.2 2.6 0.7\n';
    expect(parsePocketsphinx(out)).toEqual({
      text: 'hello world again',
      segments: [
        { start: 0.11, end: 1, text: 'hello world' },
        { start: 2.2, end: 2.6, text: 'again' },
      ],
    });
  });

  it('mixes to mono and resamples to 16 kHz', () => {
    const stereo = wav([16_384, -16_384, 16_384, -16_384], 8000, 2);
    const info = sniff(stereo)?.wav;
    expect(info).toBeDefined();
    const samples = wavSamples(stereo, info!);
    expect([...(samples ?? [])]).toEqual([0, 0]);
    const tone = new Float32Array(48_000).map((_, i) => Math.sin(i / 10) * 0.5);
    const pcm = toPcm16k(tone, 48_000);
    expect(pcm.length).toBe(16_000 * 2);
  });
});

describe('OCR without tesseract.js', () => {
  const absent = {
    tesseract: () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package 'tesseract.js' imported from /app/strata.js"), {
          code: 'ERR_MODULE_NOT_FOUND',
        }),
      ),
    data: () => Promise.resolve({}),
  };

  it('leaves OCR out in auto mode, with the reason kept', async () => {
    const auto = createOcr({ mode: 'auto', maxChars: 100, timeoutMs: 1000 }, silentLogger, absent);
    const result = await auto?.recognize(TINY_PNG, 'messages[0].content[1]');
    expect(result).toEqual({
      skipped: expect.stringContaining('npm install tesseract.js @tesseract.js-data/eng'),
    });
  });

  it('fails with model_missing in on mode, and is absent in off mode', async () => {
    const on = createOcr({ mode: 'on', maxChars: 100, timeoutMs: 1000 }, silentLogger, absent);
    await expect(on?.recognize(TINY_PNG, 'x')).rejects.toMatchObject({ code: 'model_missing' });
    expect(createOcr({ mode: 'off', maxChars: 100, timeoutMs: 1000 }, silentLogger)).toBeNull();
  });
});
