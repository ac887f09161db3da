/**
 * Every request on a connection is answered in the JSON envelope or the connection is closed
 * cleanly, over raw TCP: oversized headers get a JSON 431, a client that sends half a body
 * gets a JSON 408 within the configured time, and after a 413 for a large body the server
 * says `connection: close` and closes, so a keep-alive client's next request is never lost;
 * so does any reply sent before the request body was read (an unknown filter's 404).
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';
import { createMemory } from '../engine/engine.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';

/** Writes `chunks` to a fresh TCP connection; resolves with all bytes read until the server closes. */
function exchange(url: string, chunks: string[], keepOpenMs = 0): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.on('connect', async () => {
      for (const c of chunks) socket.write(c);
      if (keepOpenMs) await new Promise((r) => setTimeout(r, keepOpenMs));
    });
    setTimeout(() => socket.destroy(), 15_000).unref();
  });
}

function replies(raw: string): Array<{ status: number; headers: string; body: string }> {
  const out: Array<{ status: number; headers: string; body: string }> = [];
  let rest = raw;
  while (rest.startsWith('HTTP/1.1 ')) {
    const head = rest.slice(0, rest.indexOf('\r\n\r\n'));
    const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
    const start = head.length + 4;
    out.push({
      status: Number(head.slice(9, 12)),
      headers: head.toLowerCase(),
      body: rest.slice(start, start + length),
    });
    rest = rest.slice(start + length);
  }
  return out;
}

describe('connections over raw TCP', () => {
  let h: Harness;
  let memory: StrataMemory;
  beforeAll(async () => {
    memory = createMemory({ store: { kind: 'memory' }, embedder: { kind: 'hash' } });
    h = await startHarness(memory, {
      server: { bodyLimitBytes: 4096, headersTimeoutMs: 400, requestTimeoutMs: 800 },
    });
  });
  afterAll(async () => {
    await h.close();
    await memory.close();
  });

  const auth = `authorization: Bearer ${KEYS.admin}\r\n`;

  it('answers oversized headers with a JSON 431', async () => {
    const raw = await exchange(h.url, [
      `GET /v1/memories HTTP/1.1\r\nhost: 127.0.0.1\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ]);
    const [reply] = replies(raw);
    expect(reply?.status).toBe(431);
    expect(JSON.parse(reply!.body).error.code).toBe('payload_too_large');
  });

  it('answers a body that stops half-way with a JSON 408 and closes', async () => {
    const raw = await exchange(
      h.url,
      [
        `POST /v1/memories HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}content-type: application/json\r\ncontent-length: 200\r\n\r\n{"userId":"u",`,
      ],
      5_000,
    );
    const [reply] = replies(raw);
    expect(reply?.status).toBe(408);
    expect(JSON.parse(reply!.body).error.code).toBe('request_timeout');
  });

  it('after a 413 on a keep-alive connection says connection: close, so nothing is dropped silently', async () => {
    const big = JSON.stringify({ userId: 'u', content: 'x'.repeat(1_000_000) });
    const next = `GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`;
    const raw = await exchange(h.url, [
      `POST /v1/memories HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}content-type: application/json\r\ncontent-length: ${big.length}\r\nconnection: keep-alive\r\n\r\n${big}`,
      next,
    ]);
    const got = replies(raw);
    expect(got[0]?.status).toBe(413);
    expect(JSON.parse(got[0]!.body).error.code).toBe('payload_too_large');
    expect(got[0]?.headers).toMatch(/connection: close/);
    // Either the server answered the next request too, or it closed the connection after
    // announcing it would: the client retries on a new one. Never a silent drop.
    if (got.length > 1) expect(got[1]?.status).toBe(200);
    expect((await memory.list({ userId: 'u', limit: 5 })).items).toHaveLength(0);
  });

  it('a reply sent before the body was read (an unknown filter) says connection: close', async () => {
    // Without it the adapter drains the unread body briefly, then destroys the socket with
    // the client's next request on it (found by test/server/route-fuzz.test.ts).
    const body = JSON.stringify({ body: { messages: [], padding: 'x'.repeat(3_000) } });
    const raw = await exchange(h.url, [
      `POST /nope/filter/outlet HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}content-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
      `GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`,
    ]);
    const got = replies(raw);
    expect(got[0]?.status).toBe(404);
    expect(JSON.parse(got[0]!.body).error.code).toBe('not_found');
    expect(got[0]?.headers).toMatch(/connection: close/);
    if (got.length > 1) expect(got[1]?.status).toBe(200);
  });

  it('keeps the connection open after an error for a body it read (a validation error)', async () => {
    const body = JSON.stringify({ userId: 'u', content: 1 });
    const raw = await exchange(h.url, [
      `POST /v1/memories HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}content-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      `GET /readyz HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n`,
    ]);
    expect(replies(raw).map((r) => r.status)).toEqual([400, 200]);
  });
});
