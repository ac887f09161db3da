/**
 * Real media for tests, made on this machine: text drawn into a PNG or JPEG by ImageMagick,
 * speech synthesised by espeak-ng, a PNG header that claims more pixels than any limit (a
 * decompression bomb's header), and a tiny WAV of silence. Each tool's presence is checked
 * (ImageMagick by its version banner: a stand-in `convert` that only prints PNGs is not
 * it), so tests skip with the reason when one is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';

const found = (command: string, args: string[], banner?: RegExp): boolean => {
  const run = spawnSync(command, args, { encoding: 'utf8' });
  return run.status === 0 && (!banner || banner.test(`${run.stdout}${run.stderr}`));
};

/** Whether ImageMagick itself is installed (`convert -version` names it). */
export const hasImageMagick = (): boolean => found('convert', ['-version'], /Version: ImageMagick/);
export const hasEspeak = (): boolean => found('espeak-ng', ['--version']);
export const hasPocketsphinx = (): boolean =>
  spawnSync('pocketsphinx_continuous', ['-h'], { encoding: 'utf8' }).error === undefined;

/** `text` in black on white, as PNG or JPEG bytes. */
export function renderText(text: string, format: 'png' | 'jpg' = 'png', pointSize = 36): Buffer {
  const width = Math.max(300, text.length * Math.ceil(pointSize * 0.62) + 40);
  return execFileSync('convert', [
    '-size',
    `${width}x${pointSize * 3}`,
    'xc:white',
    '-fill',
    'black',
    '-pointsize',
    String(pointSize),
    '-gravity',
    'center',
    '-annotate',
    '+0+0',
    text,
    `${format}:-`,
  ]);
}

/** A photo-like JPEG (a gradient, no text). */
export function renderPhoto(): Buffer {
  return execFileSync('convert', ['-size', '160x120', 'gradient:skyblue-navy', 'jpg:-']);
}

/** `text` spoken by espeak-ng (American English voice, slow), as WAV bytes (22 050 Hz mono). */
export function speak(text: string): Buffer {
  const file = join(tmpdir(), `strata-speech-${process.pid}-${Math.random().toString(36).slice(2)}.wav`);
  try {
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '120', '-w', file, text]);
    return readFileSync(file);
  } finally {
    rmSync(file, { force: true });
  }
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * A small, valid-looking PNG whose header says width × height (grey, 8-bit): a few rows of
 * zeros compressed, the shape of a decompression bomb (it would inflate to width × height
 * bytes). Strata must refuse it from the header, without inflating anything.
 */
export function bombPng(width = 50_000, height = 50_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const rows = deflateSync(Buffer.alloc((width + 1) * 4));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', rows),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** `seconds` of silence as 16-bit mono WAV at `rate`. */
export function silenceWav(seconds: number, rate = 16_000): Buffer {
  const data = Buffer.alloc(Math.round(seconds * rate) * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export const dataUrl = (mimeType: string, data: Buffer): string =>
  `data:${mimeType};base64,${data.toString('base64')}`;
