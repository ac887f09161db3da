/**
 * The streamed import body on its own: lines split anywhere across chunks come out whole and
 * unchanged, blank lines are not counted, and each refusal (another user's line for a bound
 * key, a line or a body over its limit, nesting past the JSON depth limit) is the typed
 * error naming the line, thrown as soon as that line has arrived.
 */
import { describe, expect, it } from 'vitest';
import { ForbiddenError, PayloadTooLargeError, ValidationError } from '../errors.ts';
import { ImportBody, type ImportBodyOptions } from './import-body.ts';

function body(chunks: string[]): ReadableStream<Uint8Array> {
  const bytes = chunks.map((c) => new TextEncoder().encode(c));
  return new ReadableStream({
    pull(controller) {
      const next = bytes.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function read(chunks: string[], options: Partial<ImportBodyOptions> = {}) {
  const parsed = new ImportBody(body(chunks), { maxBytes: 1_000, maxLineBytes: 200, ...options });
  let text = '';
  for await (const piece of parsed.stream()) text += piece as string;
  return { text, lines: parsed.lines };
}

async function failure(chunks: string[], options: Partial<ImportBodyOptions> = {}) {
  try {
    await read(chunks, options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('no error');
}

describe('ImportBody', () => {
  it('passes lines split across chunks (and a multi-byte character) through whole', async () => {
    const a = '{"kind":"memory","userId":"alice","content":"über ☕"}';
    const b = '{"kind":"state","userId":"alice","key":"k","value":1}';
    const input = `${a}\n\n${b}`;
    const bytes = Buffer.from(input);
    // Split inside the ☕ (3 bytes in UTF-8) and inside the blank line.
    const cut = bytes.indexOf(Buffer.from('☕')) + 1;
    const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, a.length + 5), bytes.subarray(a.length + 5)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(new Uint8Array(next));
        else controller.close();
      },
    });
    const parsed = new ImportBody(stream, { maxBytes: 1_000, maxLineBytes: 200, owner: 'alice' });
    let text = '';
    for await (const piece of parsed.stream()) text += piece as string;
    expect(text).toBe(input);
    expect(parsed.lines).toBe(2);
  });

  it("refuses another user's line for a bound key, naming the line", async () => {
    const error = await failure(['{"userId":"alice"}\n{"memory":{"userId":"bob"}}\n'], { owner: 'alice' });
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error.message).toContain('Import line 2 belongs to another user');
    expect(await read(['{"userId":"bob"}\n'])).toMatchObject({ lines: 1 }); // an admin import may
  });

  it('refuses a line over maxLineBytes before its end has arrived', async () => {
    const error = await failure(['{"a":1}\n', 'x'.repeat(150), 'x'.repeat(100)]);
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toContain('Import line 2 is longer than 200 bytes');
  });

  it('refuses a body over maxBytes', async () => {
    const line = `${JSON.stringify({ v: 'y'.repeat(90) })}\n`;
    const error = await failure(Array.from({ length: 12 }, () => line));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error.message).toContain('Import body exceeds 1000 bytes');
  });

  it('applies the JSON depth limit per line', async () => {
    const error = await failure(['{"a":1}\n', `{"x":${'['.repeat(80)}${']'.repeat(80)}}\n`]);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toContain('Import line 2 nests deeper than');
  });
});
