/**
 * The proxy never acknowledges a turn it could lose: `strata serve` as a child process
 * proxies concurrent chats (JSON and streamed) to a fake upstream on a real socket, and is
 * killed with SIGKILL the moment the last client has its complete reply (every other round:
 * when half of them have, the rest in flight). After a restart over the same data dir (the
 * outbox is replayed at start) every acknowledged turn's user message is stored, once, and
 * only under its own user, and the SQLite file passes integrity_check
 * (test-support/server/kill-rounds.ts, shared with the other write surfaces: write-kill.test.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS } from '../../test-support/server/harness.ts';
import { expectEveryAckStoredOnce, runKillRounds } from '../../test-support/server/kill-rounds.ts';

const ROUNDS = 3;
const CHATS = 16;

/** Replies right away: JSON, or a stream of three chunks and [DONE]. */
function fakeUpstream(): Promise<Server> {
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      const body = JSON.parse(data) as { stream?: boolean };
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        for (const piece of ['Noted, ', 'I will ', 'remember that.'])
          res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: piece } }] })}\n\n`);
        res.end('data: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [{ index: 0, message: { role: 'assistant', content: 'Noted, I will remember.' } }],
        }),
      );
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function chat(url: string, key: string, content: string, stream: boolean): Promise<void> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'm', stream, messages: [{ role: 'user', content }] }),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${response.status}: ${text}`);
  if (stream && !text.includes('[DONE]')) throw new Error('stream not finished');
}

/** The user's stored user messages (one episodic memory a proxied turn). */
async function userMessages(url: string, key: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/memories?limit=1000&layer=episodic`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await response.json()) as {
    items: Array<{ content: string; metadata: Record<string, unknown> }>;
  };
  return body.items
    .filter((m) => m.metadata.kind === 'message' && m.metadata.role === 'user')
    .map((m) => m.content);
}

describe('proxy: kill -9 after the replies loses no acknowledged turn', { timeout: 180_000 }, () => {
  let upstream: Server;
  beforeAll(async () => {
    upstream = await fakeUpstream();
  });
  afterAll(async () => {
    await new Promise((resolve) => upstream.close(resolve));
  });

  it(`${ROUNDS} rounds of ${CHATS} concurrent chats, each killed at the last reply`, async () => {
    const port = (upstream.address() as AddressInfo).port;
    let sent = 0;
    const result = await runKillRounds({
      name: 'proxy-kill',
      rounds: ROUNDS,
      concurrent: CHATS,
      config: { server: { upstream: { baseUrl: `http://127.0.0.1:${port}/v1` } } },
      // Half the chats streamed, half JSON.
      write: (url, user, marker) => chat(url, KEYS[user], `My locker code is ${marker}`, sent++ % 4 < 2),
      read: (url, user) => userMessages(url, KEYS[user]),
    });
    expect(expectEveryAckStoredOnce(result)).toBeGreaterThanOrEqual(ROUNDS * CHATS * 0.75);
  });
});
