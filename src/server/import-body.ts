/**
 * The body of POST /v1/import, read as a stream instead of as one string: the request's
 * bytes are split into lines as they arrive, and each line is checked on its own before the
 * engine sees it (its length, the JSON depth and array limits, and for a bound key that it
 * belongs to that user). What a request holds in memory is one read chunk plus one line, so
 * an import body is bounded by server.bodyLimitBytes × 64 on the wire and one line by
 * server.bodyLimitBytes, never by what the server can buffer. A check that fails throws
 * into the engine's first (validating) pass, so nothing is written, and the reply goes out
 * at once; what the client still sends is read and dropped by @hono/node-server (or the
 * connection is closed after the reply when that takes too long).
 */
import { Readable } from 'node:stream';
import { ForbiddenError, PayloadTooLargeError, ValidationError } from '../errors.ts';
import { assertJsonShape } from '../util/json-shape.ts';

export interface ImportBodyOptions {
  /** The most bytes the whole body may have. */
  maxBytes: number;
  /** The most bytes one line may have. */
  maxLineBytes: number;
  /** A bound key's user: every line must belong to it (403 otherwise). */
  owner?: string | undefined;
}

const NEWLINE = 0x0a;

export class ImportBody {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #options: ImportBodyOptions;
  #bytes = 0;
  /** Lines read so far that are not blank. */
  lines = 0;

  constructor(body: ReadableStream<Uint8Array> | null, options: ImportBodyOptions) {
    this.#reader = body?.getReader();
    this.#options = options;
  }

  /**
   * After a refusal: reads and drops what the client still sends, so the reply does not
   * leave body bytes on a keep-alive connection (the next request there would be lost).
   * Bounded by maxBytes and `withinMs`; false when it stopped early (then close the
   * connection after the reply).
   */
  async discard(withinMs = 2_000): Promise<boolean> {
    if (!this.#reader) return true;
    const deadline = performance.now() + withinMs;
    try {
      for (;;) {
        const left = deadline - performance.now();
        if (left <= 0 || this.#bytes > this.#options.maxBytes) return false;
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), left);
        });
        const next = await Promise.race([this.#reader.read(), timeout]).finally(() => clearTimeout(timer));
        if (next === 'timeout') return false;
        if (next.done) return true;
        this.#bytes += next.value.byteLength;
      }
    } catch {
      return false;
    }
  }

  /** The checked lines, as the engine's import reads them (each chunk ends with "\n"). */
  stream(): Readable {
    return Readable.from(this.#checked(), { objectMode: true });
  }

  async *#checked(): AsyncGenerator<string> {
    if (!this.#reader) return;
    const { maxBytes, maxLineBytes } = this.#options;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let number = 0;
    for (;;) {
      const { done, value } = await this.#reader.read();
      if (done) break;
      this.#bytes += value.byteLength;
      if (this.#bytes > maxBytes) {
        throw new PayloadTooLargeError(
          `Import body exceeds ${maxBytes} bytes (64 × server.bodyLimitBytes); split the file or raise the limit.`,
        );
      }
      const chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      const out: string[] = [];
      let start = 0;
      for (;;) {
        const end = chunk.indexOf(NEWLINE, start);
        const piece = chunk.subarray(start, end < 0 ? chunk.length : end);
        if (pendingBytes + piece.length > maxLineBytes) this.#tooLong(number + 1);
        if (end < 0) {
          if (piece.length > 0) {
            pending.push(Buffer.from(piece)); // a copy: the stream may reuse its chunk
            pendingBytes += piece.length;
          }
          break;
        }
        const line = pendingBytes > 0 ? Buffer.concat([...pending, piece]).toString() : piece.toString();
        pending = [];
        pendingBytes = 0;
        this.#check(line, ++number);
        out.push(line, '\n');
        start = end + 1;
      }
      if (out.length > 0) yield out.join('');
    }
    if (pendingBytes > 0) {
      const line = Buffer.concat(pending).toString();
      this.#check(line, ++number);
      yield line;
    }
  }

  #check(line: string, number: number): void {
    if (line.trim() === '') return;
    this.lines++;
    assertJsonShape(line, `Import line ${number}`);
    const { owner } = this.#options;
    if (owner === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ValidationError(`Import line ${number} is not valid JSON.`);
    }
    const record = parsed as { userId?: unknown; memory?: { userId?: unknown } } | null;
    const lineOwner = record?.userId ?? record?.memory?.userId;
    if (lineOwner !== undefined && lineOwner !== owner) {
      throw new ForbiddenError(
        `Import line ${number} belongs to another user; this key may import only its own.`,
      );
    }
  }

  #tooLong(number: number): never {
    throw new PayloadTooLargeError(
      `Import line ${number} is longer than ${this.#options.maxLineBytes} bytes (server.bodyLimitBytes); one memory per line, or raise the limit.`,
      { details: { line: number, limit: 'server.bodyLimitBytes' } },
    );
  }
}
