/**
 * What a file really is, from its first bytes, without decoding it: the media type by its
 * magic number, an image's width and height from its header (PNG IHDR, JPEG SOF, GIF
 * screen descriptor, WebP VP8/VP8L/VP8X, BMP, TIFF), and a WAV file's format and duration.
 * The pixel limit is checked on these header numbers, so a decompression bomb (a small
 * file that inflates to billions of pixels) is refused before any decoder runs. A header
 * that cannot be read means the file is corrupt.
 */
import type { MediaKind } from './types.ts';

export interface Sniffed {
  kind: MediaKind;
  mimeType: string;
  /** Images: from the header; absent when the format hides them (never for the formats above). */
  width?: number;
  height?: number;
  /** WAV: PCM layout and duration. */
  wav?: WavInfo;
}

export interface WavInfo {
  format: number;
  channels: number;
  sampleRate: number;
  bitsPerSample: number;
  /** Byte range of the data chunk. */
  dataOffset: number;
  dataBytes: number;
  durationSeconds: number;
}

const startsWith = (data: Buffer, bytes: number[], at = 0) =>
  data.length >= at + bytes.length && bytes.every((b, i) => data[at + i] === b);

const ascii = (data: Buffer, at: number, length: number) =>
  data.length >= at + length ? data.toString('latin1', at, at + length) : '';

/** The media type of `data` by its magic number, or null when it is not a format Strata reads. */
export function sniff(data: Buffer): Sniffed | null {
  if (startsWith(data, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return png(data);
  if (startsWith(data, [0xff, 0xd8, 0xff])) return jpeg(data);
  if (ascii(data, 0, 6) === 'GIF87a' || ascii(data, 0, 6) === 'GIF89a') return gif(data);
  if (ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 4) === 'WEBP') return webp(data);
  if (ascii(data, 0, 4) === 'RIFF' && ascii(data, 8, 4) === 'WAVE') return wav(data);
  if (ascii(data, 0, 2) === 'BM' && data.length >= 26) return bmp(data);
  if (ascii(data, 0, 4) === 'II*\u0000' || ascii(data, 0, 4) === 'MM\u0000*') return tiff(data);
  if (ascii(data, 0, 4) === 'OggS') return { kind: 'audio', mimeType: 'audio/ogg' };
  if (ascii(data, 0, 4) === 'fLaC') return { kind: 'audio', mimeType: 'audio/flac' };
  if (startsWith(data, [0x1a, 0x45, 0xdf, 0xa3])) return { kind: 'audio', mimeType: 'audio/webm' };
  if (ascii(data, 4, 4) === 'ftyp') return { kind: 'audio', mimeType: 'audio/mp4' };
  if (
    ascii(data, 0, 3) === 'ID3' ||
    (data.length > 2 && data[0] === 0xff && ((data[1] ?? 0) & 0xe0) === 0xe0)
  )
    return { kind: 'audio', mimeType: 'audio/mpeg' };
  return null;
}

/** Media types the sender may declare for each sniffed type (aliases included). */
const ALIASES: Record<string, string[]> = {
  'image/jpeg': ['image/jpeg', 'image/jpg', 'image/pjpeg'],
  'audio/wav': ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'],
  'audio/mpeg': ['audio/mpeg', 'audio/mp3'],
  'audio/mp4': ['audio/mp4', 'audio/m4a', 'audio/x-m4a', 'video/mp4'],
  'audio/webm': ['audio/webm', 'video/webm'],
  'audio/ogg': ['audio/ogg', 'audio/opus', 'application/ogg'],
  'image/bmp': ['image/bmp', 'image/x-bmp', 'image/x-ms-bmp'],
};

/** Whether a declared type (data URL, attachment, format name) fits what the bytes are. */
export function declaredMatches(declared: string, actual: string): boolean {
  const type = declared.toLowerCase().split(';')[0]!.trim();
  if (type === '' || type === 'application/octet-stream') return true;
  return (ALIASES[actual] ?? [actual]).includes(type);
}

function png(data: Buffer): Sniffed | null {
  if (data.length < 24 || ascii(data, 12, 4) !== 'IHDR') return null;
  return {
    kind: 'image',
    mimeType: 'image/png',
    width: data.readUInt32BE(16),
    height: data.readUInt32BE(20),
  };
}

function jpeg(data: Buffer): Sniffed | null {
  let at = 2;
  while (at + 4 <= data.length) {
    if (data[at] !== 0xff) return null;
    const marker = data[at + 1] ?? 0;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    const length = data.readUInt16BE(at + 2);
    if (length < 2) return null;
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc) carry the frame size.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > data.length) return null;
      return {
        kind: 'image',
        mimeType: 'image/jpeg',
        height: data.readUInt16BE(at + 5),
        width: data.readUInt16BE(at + 7),
      };
    }
    if (marker === 0xd9 || marker === 0xda) return null;
    at += 2 + length;
  }
  return null;
}

function gif(data: Buffer): Sniffed | null {
  if (data.length < 10) return null;
  return { kind: 'image', mimeType: 'image/gif', width: data.readUInt16LE(6), height: data.readUInt16LE(8) };
}

function webp(data: Buffer): Sniffed | null {
  const chunk = ascii(data, 12, 4);
  if (chunk === 'VP8 ' && data.length >= 30) {
    return {
      kind: 'image',
      mimeType: 'image/webp',
      width: data.readUInt16LE(26) & 0x3fff,
      height: data.readUInt16LE(28) & 0x3fff,
    };
  }
  if (chunk === 'VP8L' && data.length >= 25) {
    const bits = data.readUInt32LE(21);
    return {
      kind: 'image',
      mimeType: 'image/webp',
      width: (bits & 0x3fff) + 1,
      height: ((bits >> 14) & 0x3fff) + 1,
    };
  }
  if (chunk === 'VP8X' && data.length >= 30) {
    return {
      kind: 'image',
      mimeType: 'image/webp',
      width: data.readUIntLE(24, 3) + 1,
      height: data.readUIntLE(27, 3) + 1,
    };
  }
  return null;
}

function bmp(data: Buffer): Sniffed | null {
  const header = data.readUInt32LE(14);
  if (header === 12) {
    return {
      kind: 'image',
      mimeType: 'image/bmp',
      width: data.readUInt16LE(18),
      height: data.readUInt16LE(20),
    };
  }
  return {
    kind: 'image',
    mimeType: 'image/bmp',
    width: Math.abs(data.readInt32LE(18)),
    height: Math.abs(data.readInt32LE(22)),
  };
}

function tiff(data: Buffer): Sniffed | null {
  const little = data[0] === 0x49;
  const u16 = (at: number) => (little ? data.readUInt16LE(at) : data.readUInt16BE(at));
  const u32 = (at: number) => (little ? data.readUInt32LE(at) : data.readUInt32BE(at));
  if (data.length < 8) return null;
  const ifd = u32(4);
  if (ifd + 2 > data.length) return null;
  let width: number | undefined;
  let height: number | undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const at = ifd + 2 + i * 12;
    if (at + 12 > data.length) return null;
    const tag = u16(at);
    const value = u16(at + 2) === 3 ? u16(at + 8) : u32(at + 8);
    if (tag === 0x0100) width = value;
    if (tag === 0x0101) height = value;
  }
  if (width === undefined || height === undefined) return null;
  return { kind: 'image', mimeType: 'image/tiff', width, height };
}

function wav(data: Buffer): Sniffed | null {
  let at = 12;
  let fmt: Omit<WavInfo, 'dataOffset' | 'dataBytes' | 'durationSeconds'> | undefined;
  while (at + 8 <= data.length) {
    const id = ascii(data, at, 4);
    const size = data.readUInt32LE(at + 4);
    if (id === 'fmt ' && size >= 16 && at + 24 <= data.length) {
      fmt = {
        format: data.readUInt16LE(at + 8),
        channels: data.readUInt16LE(at + 10),
        sampleRate: data.readUInt32LE(at + 12),
        bitsPerSample: data.readUInt16LE(at + 22),
      };
    } else if (id === 'data' && fmt) {
      if (fmt.channels === 0 || fmt.sampleRate === 0 || fmt.bitsPerSample === 0) return null;
      const dataBytes = Math.min(size, data.length - (at + 8));
      const frame = fmt.channels * Math.ceil(fmt.bitsPerSample / 8);
      return {
        kind: 'audio',
        mimeType: 'audio/wav',
        wav: { ...fmt, dataOffset: at + 8, dataBytes, durationSeconds: dataBytes / frame / fmt.sampleRate },
      };
    }
    at += 8 + size + (size % 2);
  }
  return null;
}
