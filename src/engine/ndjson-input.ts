/**
 * Import input that can be read twice, line by line, without holding it in memory: a
 * streaming import validates every line in a first pass and writes in a second, so a bad
 * line anywhere still means nothing was imported. A string is simply split again; a file
 * stream (fs.createReadStream, as the CLI passes) is reopened by path; any other stream
 * (stdin, a socket, an HTTP request body) is copied to a private temporary file during the
 * first pass, so an import of any size holds one chunk in memory, not the input. With
 * encryption at rest configured the copy is sealed: every chunk is encrypted (AES-256-GCM)
 * under a random key that exists only in this process for this import, so plaintext
 * memories never land on disk outside the encrypted store, and a copy left behind by a
 * crash cannot be read by anyone.
 */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, ReadStream, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ConfigError } from '../errors.ts';

export interface ReplayableInput {
  /** First pass: every line (split on "\n", as the NDJSON format defines). */
  firstPass(): AsyncIterable<string>;
  /** Second pass: the same lines again. Only after firstPass() has been read to the end. */
  secondPass(): AsyncIterable<string>;
  /** Removes any temporary copy; safe to call more than once. */
  close(): Promise<void>;
}

/** Splits a string or a sequence of byte/string chunks into lines; a trailing line without "\n" counts. */
export async function* lines(
  input: string | AsyncIterable<Buffer | string> | Iterable<Buffer>,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of typeof input === 'string' ? [input] : input) {
    // Only the new text can hold the next "\n": a long line is not scanned again per chunk.
    let from = rest.length;
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    for (;;) {
      const end = rest.indexOf('\n', from);
      from = end + 1;
      if (end < 0) break;
      yield rest.slice(start, end);
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  yield rest + decoder.end();
}

/** Wraps an import input so it can be read twice (see the module comment). */
export function replayable(input: string | Readable, options: { seal: boolean }): ReplayableInput {
  if (typeof input === 'string') {
    return { firstPass: () => lines(input), secondPass: () => lines(input), close: async () => {} };
  }
  const reopenPath = reopenablePath(input);
  if (reopenPath !== null) {
    return {
      firstPass: () => lines(input),
      secondPass: () => lines(createReadStream(reopenPath)),
      close: async () => {},
    };
  }
  return spooledCopy(input, options.seal ? sealer() : null);
}

/** A plain fs.ReadStream of a whole file can be opened again by its path. */
function reopenablePath(input: Readable): string | null {
  if (!(input instanceof ReadStream)) return null;
  const { path: file, start, end } = input as ReadStream & { start?: number; end?: number };
  const whole = (start === undefined || start === 0) && (end === undefined || end === Infinity);
  if (typeof file !== 'string' || !whole || input.readableDidRead) return null;
  try {
    return statSync(file).isFile() ? file : null; // a pipe or device cannot be read twice
  } catch {
    return null;
  }
}

function spooledCopy(input: Readable, seal: Sealer | null): ReplayableInput {
  let dir: string | null = null;
  let file: string | null = null;
  return {
    async *firstPass() {
      try {
        dir = await mkdtemp(path.join(tmpdir(), 'strata-import-'));
      } catch (error) {
        throw new ConfigError(
          `Streaming an import needs a temporary copy, but ${tmpdir()} is not writable (${(error as Error).message}). Set TMPDIR to a writable folder, or import from a file path.`,
          { cause: error },
        );
      }
      file = path.join(dir, 'input.ndjson');
      const out = createWriteStream(file, { mode: 0o600 });
      try {
        yield* lines(tee(input, out, seal));
      } finally {
        out.end();
        await once(out, 'close');
      }
    },
    secondPass: () => {
      const copy = createReadStream(file as string);
      return lines(seal ? seal.open(copy) : copy);
    },
    close: async () => {
      if (dir !== null) await rm(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}

/** Passes every chunk through while writing a copy, sealed or not (waiting when the copy falls behind). */
async function* tee(input: Readable, copy: Writable, seal: Sealer | null): AsyncGenerator<Buffer | string> {
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    if (!copy.write(seal ? seal.frame(bytes) : bytes)) await once(copy, 'drain');
    yield chunk as Buffer | string;
  }
}

interface Sealer {
  /** One chunk as a frame: 4-byte length of what follows, 16-byte tag, ciphertext. */
  frame(plaintext: Buffer): Buffer;
  /** The plaintext chunks of a stream of frames, each checked. */
  open(frames: AsyncIterable<Buffer | string>): AsyncGenerator<Buffer>;
}

const TAG_BYTES = 16;

/** AES-256-GCM under a one-time random key; the nonce is the frame's number, never reused under it. */
function sealer(): Sealer {
  const key = randomBytes(32);
  const nonce = (n: number) => {
    const iv = Buffer.alloc(12);
    iv.writeUInt32BE(n, 8);
    iv.writeUInt32BE(Math.floor(n / 2 ** 32), 4);
    return iv;
  };
  let written = 0;
  return {
    frame(plaintext) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce(written++));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const head = Buffer.alloc(4 + TAG_BYTES);
      head.writeUInt32BE(TAG_BYTES + body.length, 0);
      cipher.getAuthTag().copy(head, 4);
      return Buffer.concat([head, body]);
    },
    async *open(frames) {
      let read = 0;
      let rest: Buffer = Buffer.alloc(0);
      for await (const chunk of frames) {
        rest = rest.length === 0 ? (chunk as Buffer) : Buffer.concat([rest, chunk as Buffer]);
        while (rest.length >= 4 && rest.length >= 4 + rest.readUInt32BE(0)) {
          const end = 4 + rest.readUInt32BE(0);
          const decipher = createDecipheriv('aes-256-gcm', key, nonce(read++));
          decipher.setAuthTag(rest.subarray(4, 4 + TAG_BYTES));
          yield Buffer.concat([decipher.update(rest.subarray(4 + TAG_BYTES, end)), decipher.final()]);
          rest = rest.subarray(end);
        }
      }
      if (rest.length > 0) throw new Error('The sealed import copy ends inside a frame.');
    },
  };
}
