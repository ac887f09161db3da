/**
 * A media item's bytes, read and checked before anything analyses or stores them: a data:
 * URL or bare base64 is decoded (its size checked from the base64 length first), an
 * http(s) URL fetched through safe-fetch.ts when media.fetch.enabled allows it. Then the
 * bytes must be a format Strata reads (sniff.ts), agree with the type the sender declared,
 * and stay within media.maxBytes, media.maxPixels (from the header, so a decompression
 * bomb is refused undecoded) and media.maxAudioSeconds. Any failure is a typed refusal
 * (media-errors.ts).
 */
import { createHash } from 'node:crypto';
import type { MediaConfig } from '../config/schema.ts';
import { mediaRefused } from './media-errors.ts';
import { type Resolver, safeFetch } from './safe-fetch.ts';
import { declaredMatches, type Sniffed, sniff } from './sniff.ts';
import type { MediaInput } from './types.ts';

export interface ReadMedia {
  id: string;
  data: Buffer;
  sniffed: Sniffed;
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*?),/i;
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

/** Format names of input_audio parts and extensions, as media types. */
const FORMAT_TYPES: Record<string, string> = {
  wav: 'audio/wav',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  opus: 'audio/ogg',
  flac: 'audio/flac',
  webm: 'audio/webm',
  m4a: 'audio/mp4',
  mp4: 'audio/mp4',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

export function typeOfFormat(format: string): string {
  const lower = format.toLowerCase();
  return lower.includes('/') ? lower : (FORMAT_TYPES[lower] ?? lower);
}

/** Whether the item can be read at all here (a data URL or base64; an http(s) URL when fetching is on). */
export function isReadable(item: MediaInput, config: MediaConfig): boolean {
  if (item.base64 !== undefined) return true;
  const url = item.url ?? '';
  if (/^data:/i.test(url)) return true;
  return config.fetch.enabled && /^https?:\/\//i.test(url);
}

export async function readMedia(
  item: MediaInput,
  config: MediaConfig,
  resolve?: Resolver,
): Promise<ReadMedia> {
  const { field } = item;
  let data: Buffer;
  let declared = item.declaredType ?? '';
  if (item.base64 !== undefined) {
    data = decodeBase64(item.base64, field, config.maxBytes);
  } else if (/^data:/i.test(item.url ?? '')) {
    const url = item.url ?? '';
    const head = url.match(DATA_URL);
    if (!head)
      throw mediaRefused('corrupt', field, `${field} is not a valid data: URL (data:<type>;base64,<data>).`);
    declared = head[1] || declared;
    const body = url.slice(head[0].length);
    data = /;base64/i.test(head[2] ?? '')
      ? decodeBase64(body, field, config.maxBytes)
      : Buffer.from(decodeURIComponent(body), 'latin1');
  } else {
    const fetched = await safeFetch(
      item.url ?? '',
      field,
      { ...config.fetch, maxBytes: config.maxBytes },
      resolve,
    );
    data = fetched.data;
    declared = fetched.contentType || declared;
  }
  if (data.length > config.maxBytes) {
    throw mediaRefused(
      'too_large',
      field,
      `${field} is ${data.length} bytes; the limit is ${config.maxBytes} (media.maxBytes).`,
    );
  }
  if (data.length === 0) throw mediaRefused('corrupt', field, `${field} is empty.`);
  const sniffed = sniff(data);
  if (!sniffed) {
    const what = declared ? `declared ${declared}` : 'no declared type';
    throw mediaRefused(
      declared && !/^(image|audio)\//i.test(declared) ? 'unsupported_type' : 'corrupt',
      field,
      `${field} (${what}) is not an image or recording Strata can read: PNG, JPEG, GIF, WebP, BMP or TIFF images, WAV, MP3, OGG, FLAC, WebM or M4A audio; or its header is damaged.`,
    );
  }
  if (sniffed.kind !== item.kind) {
    throw mediaRefused(
      'type_mismatch',
      field,
      `${field} was sent as ${item.kind === 'image' ? 'an image' : 'audio'} but is ${sniffed.mimeType}.`,
    );
  }
  if (declared && !declaredMatches(typeOfFormat(declared), sniffed.mimeType)) {
    throw mediaRefused(
      'type_mismatch',
      field,
      `${field} is declared as ${declared} but its bytes are ${sniffed.mimeType}; send the right type.`,
    );
  }
  checkSize(sniffed, field, config);
  return { id: createHash('sha256').update(data).digest('hex'), data, sniffed };
}

function decodeBase64(text: string, field: string, maxBytes: number): Buffer {
  // The decoded size is known from the length: a huge payload is refused before decoding it.
  const estimate = Math.floor((text.length * 3) / 4);
  if (estimate > maxBytes + 3) {
    throw mediaRefused(
      'too_large',
      field,
      `${field} is about ${estimate} bytes; the limit is ${maxBytes} (media.maxBytes).`,
    );
  }
  if (!BASE64.test(text)) throw mediaRefused('corrupt', field, `${field} is not valid base64.`);
  return Buffer.from(text, 'base64');
}

function checkSize(sniffed: Sniffed, field: string, config: MediaConfig): void {
  if (sniffed.kind === 'image') {
    const { width = 0, height = 0 } = sniffed;
    if (width <= 0 || height <= 0) {
      throw mediaRefused(
        'corrupt',
        field,
        `${field} says it is ${width}×${height} pixels: its header is damaged.`,
      );
    }
    if (width * height > config.maxPixels) {
      throw mediaRefused(
        'too_many_pixels',
        field,
        `${field} is ${width}×${height} = ${width * height} pixels; the limit is ${config.maxPixels} (media.maxPixels). It was not decoded.`,
      );
    }
  }
  const seconds = sniffed.wav?.durationSeconds;
  if (seconds !== undefined && seconds > config.maxAudioSeconds) {
    throw mediaRefused(
      'too_long',
      field,
      `${field} is ${Math.round(seconds)} s long; the limit is ${config.maxAudioSeconds} s (media.maxAudioSeconds).`,
    );
  }
}
