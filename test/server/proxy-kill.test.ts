/**
 * The proxy never acknowledges a turn it could lose: `strata serve` as a child process
 * proxies concurrent chats (JSON and streamed) to a fake upstream on a real socket, and is
 * killed with SIGKILL the moment the last client has its complete reply. After a restart
 * over the same data dir (the outbox is replayed at start) every acknowledged turn's user
 * message is stored, once, and only under its own user.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChildServer, startChildServer } from '../../test-support/server/child-server.ts';
import { API_KEYS, KEYS } from '../../test-support/server/harness.ts';

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

async function contents(url: string, key: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/memories?limit=1000&layer=episodic`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const body = (await response.json()) as { items: Array<{ content: string }> };
  return body.items.map((m) => m.content);
}

describe('proxy: kill -9 after the replies loses no acknowledged turn', { timeout: 180_000 }, () => {
  let dataDir: string;
  let args: string[];
  let upstream: Server;
  let server: ChildServer | undefined;
  beforeAll(async () => {
    upstream = await fakeUpstream();
    dataDir = mkdtempSync(join(tmpdir(), 'strata-proxy-kill-'));
    const configFile = join(dataDir, 'strata.config.json');
    const port = (upstream.address() as AddressInfo).port;
    writeFileSync(
      configFile,
      JSON.stringify({
        embedder: { kind: 'hash' },
        server: { apiKeys: API_KEYS, upstream: { baseUrl: `http://127.0.0.1:${port}/v1` } },
        log: { level: 'warn' },
      }),
    );
    args = ['--config', configFile, '--data-dir', dataDir];
  });
  afterAll(async () => {
    if (server?.child.exitCode === null) await server.stop('SIGKILL');
    await new Promise((resolve) => upstream.close(resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`${ROUNDS} rounds of ${CHATS} concurrent chats, each killed at the last reply`, async () => {
    const acknowledged = { alice: [] as string[], bob: [] as string[] };
    for (let round = 0; round < ROUNDS; round++) {
      server = await startChildServer(args);
      const url = server.url;
      const sent = Array.from({ length: CHATS }, (_, i) => {
        const user = i % 2 === 0 ? 'alice' : 'bob';
        const content = `Round ${round} note ${i}: my locker code is ${round}${i}${user.length}7`;
        return chat(url, KEYS[user], content, i % 4 < 2).then(() => acknowledged[user].push(content));
      });
      await Promise.all(sent);
      server.child.kill('SIGKILL');
      await new Promise((resolve) => server?.child.once('exit', resolve));
    }
    server = await startChildServer(args);
    // The outbox replays at start; give it a moment to deliver.
    let alice: string[] = [];
    let bob: string[] = [];
    for (let i = 0; i < 100; i++) {
      [alice, bob] = await Promise.all([contents(server.url, KEYS.alice), contents(server.url, KEYS.bob)]);
      const stored = (mine: string[], all: string[]) => mine.every((m) => all.some((c) => c.includes(m)));
      if (stored(acknowledged.alice, alice) && stored(acknowledged.bob, bob)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(acknowledged.alice.length + acknowledged.bob.length).toBe(ROUNDS * CHATS);
    for (const content of acknowledged.alice) {
      // Stored (the message and its exchange hold it), and a replay stored nothing twice.
      const held = alice.filter((c) => c.includes(content));
      expect(held.length, content).toBeGreaterThan(0);
      expect(new Set(held).size, content).toBe(held.length);
      expect(bob.some((c) => c.includes(content))).toBe(false);
    }
    for (const content of acknowledged.bob) {
      // Stored (the message and its exchange hold it), and a replay stored nothing twice.
      const held = bob.filter((c) => c.includes(content));
      expect(held.length, content).toBeGreaterThan(0);
      expect(new Set(held).size, content).toBe(held.length);
      expect(alice.some((c) => c.includes(content))).toBe(false);
    }
  });
});
