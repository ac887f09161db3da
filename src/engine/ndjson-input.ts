/**
 * Import input that can be read twice, line by line, without holding it in memory: a
 * streaming import validates every line in a first pass and writes in a second, so a bad
 * line anywhere still means nothing was imported. A string is simply split again; a file
 * stream (fs.createReadStream, as the CLI passes) is reopened by path; any other stream
 * (stdin, a socket) is copied to a private temporary file during the first pass, or kept
 * in memory when encryption at rest is configured, so plaintext memories never land on
 * disk outside the encrypted store.
 */

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
    rest += typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer);
    let start = 0;
    for (;;) {
      const end = rest.indexOf('\n', start);
      if (end < 0) break;
      yield rest.slice(start, end);
      start = end + 1;
    }
    rest = rest.slice(start);
  }
  yield rest + decoder.end();
}

/** Wraps an import input so it can be read twice (see the module comment). */
export function replayable(input: string | Readable, options: { keepInMemory: boolean }): ReplayableInput {
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
  return options.keepInMemory ? bufferedCopy(input) : spooledCopy(input);
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

function bufferedCopy(input: Readable): ReplayableInput {
  const chunks: Buffer[] = [];
  return {
    firstPass: () => lines(keep(input, chunks)),
    secondPass: () => lines(chunks),
    close: async () => {
      chunks.length = 0;
    },
  };
}

function spooledCopy(input: Readable): ReplayableInput {
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
        yield* lines(tee(input, out));
      } finally {
        out.end();
        await once(out, 'close');
      }
    },
    secondPass: () => lines(createReadStream(file as string)),
    close: async () => {
      if (dir !== null) await rm(dir, { recursive: true, force: true });
      dir = null;
    },
  };
}

/** Passes every chunk through while keeping a copy in memory. */
async function* keep(input: Readable, chunks: Buffer[]): AsyncGenerator<Buffer> {
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    chunks.push(bytes);
    yield bytes;
  }
}

/** Passes every chunk through while writing a copy (waiting when the copy falls behind). */
async function* tee(input: Readable, copy: Writable): AsyncGenerator<Buffer | string> {
  for await (const chunk of input) {
    if (!copy.write(chunk)) await once(copy, 'drain');
    yield chunk as Buffer | string;
  }
}
