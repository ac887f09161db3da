/**
 * kill -9 on every write surface that answers once it has stored (the proxy, which answers
 * before, has its own test: proxy-kill.test.ts): REST `POST /v1/memories`, `POST /v1/turns`,
 * the Open WebUI outlet (Open WebUI's request shape, one admin key for every user) and MCP
 * `remember` over streamable HTTP with the SDK client. Each runs test-support/server/kill-rounds.ts:
 * concurrent writes of alice and bob, SIGKILL at the last acknowledgement (or at half of
 * them, the rest in flight), restart; every acknowledged write is stored exactly once under
 * its own user and the SQLite file passes integrity_check.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { KEYS } from '../../test-support/server/harness.ts';
import {
  expectEveryAckStoredOnce,
  type KillUser,
  runKillRounds,
} from '../../test-support/server/kill-rounds.ts';

const ROUNDS = 3;
const CONCURRENT = 16;

interface Listed {
  items: Array<{ content: string; metadata: Record<string, unknown> }>;
}

async function expectStatus(response: Response, status: number): Promise<void> {
  const text = await response.text();
  if (response.status !== status) throw new Error(`${response.status}: ${text}`);
}

async function list(url: string, user: KillUser, layer: string): Promise<Listed['items']> {
  const response = await fetch(`${url}/v1/memories?limit=1000&layer=${layer}`, {
    headers: { authorization: `Bearer ${KEYS[user]}` },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as Listed).items;
}

/** Each write as a memory of its own: its content. */
const contents = (url: string, user: KillUser) =>
  list(url, user, 'semantic').then((items) => items.map((m) => m.content));

/** Each write as a turn: the episodic memory of its user message (one a turn). */
const userMessages = (url: string, user: KillUser) =>
  list(url, user, 'episodic').then((items) =>
    items.filter((m) => m.metadata.kind === 'message' && m.metadata.role === 'user').map((m) => m.content),
  );

const post = (url: string, path: string, key: string, body: unknown) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });

describe('kill -9 right after the acknowledgements loses no write', { timeout: 60_000 }, () => {
  it(`REST POST /v1/memories: ${ROUNDS} rounds of ${CONCURRENT} concurrent writes`, async () => {
    const result = await runKillRounds({
      name: 'rest-kill',
      rounds: ROUNDS,
      concurrent: CONCURRENT,
      write: async (url, user, marker) =>
        expectStatus(
          await post(url, '/v1/memories', KEYS[user], {
            content: `My gym locker code is ${marker}`,
            layer: 'semantic',
          }),
          201,
        ),
      read: contents,
    });
    expect(expectEveryAckStoredOnce(result)).toBeGreaterThanOrEqual(ROUNDS * CONCURRENT * 0.75);
  });

  it(`POST /v1/turns: ${ROUNDS} rounds of ${CONCURRENT} concurrent turns`, async () => {
    const result = await runKillRounds({
      name: 'turns-kill',
      rounds: ROUNDS,
      concurrent: CONCURRENT,
      write: async (url, user, marker) =>
        expectStatus(
          await post(url, '/v1/turns', KEYS[user], {
            chatId: `chat-${marker}`,
            messages: [
              { role: 'user', content: `My bike lock code is ${marker}` },
              { role: 'assistant', content: 'Noted, I will remember that.' },
            ],
          }),
          200,
        ),
      read: userMessages,
    });
    expect(expectEveryAckStoredOnce(result)).toBeGreaterThanOrEqual(ROUNDS * CONCURRENT * 0.75);
  });

  it(`Open WebUI outlet: ${ROUNDS} rounds of ${CONCURRENT} concurrent outlet calls`, async () => {
    const result = await runKillRounds({
      name: 'outlet-kill',
      rounds: ROUNDS,
      concurrent: CONCURRENT,
      // As Open WebUI calls it: its one connection key (admin), the user in the envelope.
      write: async (url, user, marker) => {
        const at = Math.floor(Date.now() / 1000);
        const body = {
          model: 'llama3.1:8b',
          messages: [
            { id: `u-${marker}`, role: 'user', content: `My locker code is ${marker}`, timestamp: at },
            {
              id: `a-${marker}`,
              role: 'assistant',
              content: 'Noted, I will remember your locker code.',
              info: { usage: { total_tokens: 20 } },
              timestamp: at + 1,
              sources: [],
            },
          ],
          chat_id: `chat-${marker}`,
          session_id: 'Xk29sLq0pZrT5mNbAAAB',
          id: `a-${marker}`,
          filter_ids: ['strata'],
        };
        const envelope = { user: { id: user, email: `${user}@example.com`, name: user, role: 'user' }, body };
        const response = await post(url, '/strata/filter/outlet', KEYS.admin, envelope);
        await expectStatus(response.clone(), 200);
        // The outlet answers with the body unchanged, message ids included.
        expect(await response.json()).toEqual(body);
      },
      read: userMessages,
    });
    expect(expectEveryAckStoredOnce(result)).toBeGreaterThanOrEqual(ROUNDS * CONCURRENT * 0.75);
  });

  it(`MCP remember over HTTP: ${ROUNDS} rounds of ${CONCURRENT} concurrent calls`, async () => {
    const result = await runKillRounds({
      name: 'mcp-kill',
      rounds: ROUNDS,
      concurrent: CONCURRENT,
      write: async (url, user, marker) => {
        const client = new Client({ name: 'strata-kill-test', version: '1.0.0' });
        await client.connect(
          new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
            requestInit: { headers: { authorization: `Bearer ${KEYS[user]}` } },
          }),
        );
        try {
          const reply = (await client.callTool({
            name: 'remember',
            arguments: { content: `My gym locker code is ${marker}` },
          })) as { isError?: boolean; content: Array<{ text: string }> };
          if (reply.isError) throw new Error(reply.content[0]?.text);
        } finally {
          await client.close().catch(() => undefined);
        }
      },
      read: contents,
    });
    expect(expectEveryAckStoredOnce(result)).toBeGreaterThanOrEqual(ROUNDS * CONCURRENT * 0.75);
  });
});
