/**
 * Feedback on every surface over real sockets, on a real engine (SQLite file): POST
 * /v1/feedback, the MCP `feedback` tool, and Open WebUI's thumbs up/down on a reply, sent
 * back in the outlet body as `annotation: {rating: 1 | -1}` on the assistant message whose
 * id is the inlet's metadata.message_id. A user-bound key can never rate another user's
 * memory (404 as for GET) and another user's outlet never changes alice's memories.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/engine/engine.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import type { Memory } from '../../src/types.ts';
import { engineConfig, tempDir } from '../../test-support/engine/e2e-engine.ts';
import { errorOf, type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';

const CHAT = '6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f';
const REPLY = '0b7e6a1c-5d4f-4e3a-8b2c-9d1e0f2a3b4c';
const QUESTION = 'Which city do I live in now, and which tram do I love?';

const inletEnvelope = (user: string) => ({
  user: { id: user, email: `${user}@example.com`, name: user, role: 'user' },
  body: {
    stream: true,
    model: 'llama3.1:8b',
    messages: [
      { role: 'system', content: 'You are a helpful assistant.' },
      { role: 'user', content: QUESTION },
    ],
    metadata: { user_id: user, chat_id: CHAT, message_id: REPLY, session_id: 'Xk29sLq0pZrT5mNbAAAB' },
  },
});

/** The outlet body Open WebUI sends after the reply was rated (annotation on the message). */
const outletEnvelope = (user: string, rating: 1 | -1) => ({
  user: { id: user, email: `${user}@example.com`, name: user, role: 'user' },
  body: {
    model: 'llama3.1:8b',
    messages: [
      { id: 'd2a4c6e8-1b3d-4f5a-9c7e-2b4d6f8a0c1e', role: 'user', content: QUESTION, timestamp: 1764061200 },
      {
        id: REPLY,
        role: 'assistant',
        content: 'You live in Lisbon and you love tram 28.',
        timestamp: 1764061205,
        annotation: { rating, reason: rating > 0 ? '' : 'Not helpful', comment: '', tags: [] },
        info: null,
      },
    ],
    chat_id: CHAT,
    session_id: 'Xk29sLq0pZrT5mNbAAAB',
    id: REPLY,
    filter_ids: ['strata'],
  },
});

describe('feedback surfaces over a real socket', () => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  let h: Harness;
  let lisbon: Memory;
  let tram: Memory;

  beforeEach(async () => {
    dir = tempDir();
    memory = createMemory(engineConfig('sqlite', dir.path));
    lisbon = await memory.add({ userId: 'alice', content: 'Alice lives in Lisbon' });
    tram = await memory.add({ userId: 'alice', content: 'Alice loves the tram 28' });
    await memory.add({ userId: 'bob', content: 'Bob lives in Porto and loves the tram' });
    h = await startHarness(memory, { startOutbox: false });
  });
  afterEach(async () => {
    await h.close();
    await memory.close();
    dir.remove();
  });

  it('POST /v1/feedback rates the key user memories; another user id is a 404', async () => {
    const reply = await h.call('POST', '/v1/feedback', {
      key: KEYS.alice,
      json: { memoryIds: [lisbon.id], rating: 'useful', messageId: 'm1' },
    });
    expect(reply.status).toBe(200);
    const body = reply.body as { memories: Memory[]; weights: Record<string, number> };
    expect(body.memories[0]?.metadata.feedback).toMatchObject({ useful: 1 });
    expect(body.weights.semantic).toBeGreaterThan(0);

    const before = await memory.get('alice', tram.id);
    const foreign = await h.call('POST', '/v1/feedback', {
      key: KEYS.bob,
      json: { memoryIds: [tram.id], rating: 'wrong' },
    });
    expect(foreign.status).toBe(404);
    expect(errorOf(foreign.body).code).toBe('not_found');
    // A bound key cannot act for alice by naming her either.
    const named = await h.call('POST', '/v1/feedback', {
      key: KEYS.bob,
      json: { userId: 'alice', memoryIds: [tram.id], rating: 'wrong' },
    });
    expect(named.status).toBe(403);
    expect(await memory.get('alice', tram.id)).toEqual(before);

    const bad = await h.call('POST', '/v1/feedback', {
      key: KEYS.alice,
      json: { memoryIds: [tram.id], rating: 'great' },
    });
    expect(bad.status).toBe(400);
    expect(errorOf(bad.body).message).toContain('rating');
  });

  it('the MCP feedback tool marks a memory wrong, scoped to the key', async () => {
    const connect = async (key: string) => {
      const client = new Client({ name: 'strata-test', version: '1.0.0' });
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${key}` } },
        }),
      );
      return client;
    };
    const alice = await connect(KEYS.alice);
    const result = (await alice.callTool({
      name: 'feedback',
      arguments: { memoryIds: [tram.id], rating: 'wrong' },
    })) as { isError?: boolean; content: Array<{ text: string }> };
    expect(result.isError).toBeFalsy();
    expect(JSON.parse(result.content[0]!.text)).toMatchObject({ rated: [tram.id], repeated: [] });
    expect((await memory.get('alice', tram.id)).metadata.flaggedWrong).toEqual(expect.any(String));

    const bob = await connect(KEYS.bob);
    const refused = (await bob.callTool({
      name: 'feedback',
      arguments: { memoryIds: [lisbon.id], rating: 'wrong' },
    })) as { isError?: boolean; content: Array<{ text: string }> };
    expect(refused.isError).toBe(true);
    expect(refused.content[0]!.text).toMatch(/^not_found:/);
    expect((await memory.get('alice', lisbon.id)).metadata.flaggedWrong).toBeUndefined();
    await alice.close();
    await bob.close();
  });

  it('maps an Open WebUI thumbs up/down on a reply to the memories injected for it', async () => {
    const inlet = await h.call('POST', '/strata/filter/inlet', {
      key: KEYS.admin,
      json: inletEnvelope('alice'),
    });
    expect(inlet.status).toBe(200);
    const system = String((inlet.body as { messages: Array<{ content: unknown }> }).messages[0]?.content);
    expect(system).toContain('Alice lives in Lisbon');
    const injected = await memory.get('alice', lisbon.id); // recall's touch already reinforced it

    const up = await h.call('POST', '/strata/filter/outlet', {
      key: KEYS.admin,
      json: outletEnvelope('alice', 1),
    });
    expect(up.status).toBe(200);
    const rated = await memory.get('alice', lisbon.id);
    expect(rated.metadata.feedback).toMatchObject({ useful: 1, lastRating: 'useful' });
    expect(rated.strength).toBeCloseTo(injected.strength + 0.2);

    // Open WebUI sends the rated message again with every later outlet: counted once.
    await h.call('POST', '/strata/filter/outlet', { key: KEYS.admin, json: outletEnvelope('alice', 1) });
    await h.call('POST', '/strata-semantic/filter/outlet', {
      key: KEYS.admin,
      json: outletEnvelope('alice', 1),
    });
    expect((await memory.get('alice', lisbon.id)).metadata.feedback).toMatchObject({ useful: 1 });

    // Bob's chat with the same ids rates nothing of alice's.
    const aliceBefore = (await memory.list({ userId: 'alice' })).items;
    await h.call('POST', '/strata/filter/outlet', { key: KEYS.bob, json: outletEnvelope('bob', -1) });
    expect((await memory.list({ userId: 'alice' })).items).toEqual(aliceBefore);

    // The user changes the thumbs to down: the new rating counts.
    await h.call('POST', '/strata/filter/outlet', { key: KEYS.alice, json: outletEnvelope('alice', -1) });
    expect((await memory.get('alice', lisbon.id)).metadata.feedback).toMatchObject({
      useful: 1,
      notUseful: 1,
      lastRating: 'not_useful',
    });
  });

  it('a thumbs up/down on a whole reply rates the injected memories by which of them the reply used', async () => {
    const berlin = await memory.add({
      userId: 'carol',
      content: 'Carol lives in Berlin, in a flat in Kreuzberg',
    });
    const cat = await memory.add({ userId: 'carol', content: 'Carol has a grey cat called Miso' });
    const reply = 'c3d5e7f9-2a4b-4c6d-8e0f-1a3b5c7d9e0f';
    const question = 'Which city do I live in?';
    const envelope = (rating: 1 | -1 | null, replyId: string) => ({
      user: { id: 'carol', email: 'carol@example.com', name: 'carol', role: 'user' },
      body: {
        model: 'llama3.1:8b',
        messages: [
          {
            id: 'a1b2c3d4-0000-4000-8000-000000000001',
            role: 'user',
            content: question,
            timestamp: 1764061200,
          },
          {
            id: replyId,
            role: 'assistant',
            content: 'You live in Berlin, in your flat in Kreuzberg.',
            timestamp: 1764061205,
            ...(rating === null ? {} : { annotation: { rating, reason: '', comment: '', tags: [] } }),
          },
        ],
        chat_id: CHAT,
        session_id: 'Xk29sLq0pZrT5mNbAAAB',
        id: replyId,
      },
    });
    const inlet = async (replyId: string) => {
      const r = await h.call('POST', '/strata/filter/inlet', {
        key: KEYS.admin,
        json: {
          user: { id: 'carol', email: 'carol@example.com', name: 'carol', role: 'user' },
          body: {
            stream: true,
            model: 'llama3.1:8b',
            messages: [{ role: 'user', content: question }],
            metadata: { user_id: 'carol', chat_id: CHAT, message_id: replyId },
          },
        },
      });
      const system = String((r.body as { messages: Array<{ content: unknown }> }).messages[0]?.content);
      // Both memories were given to the model for this reply.
      expect(system).toContain('Kreuzberg');
      expect(system).toContain('Miso');
    };
    await inlet(reply);
    const up = await h.call('POST', '/strata/filter/outlet', { key: KEYS.admin, json: envelope(1, reply) });
    expect(up.status).toBe(200);
    // The reply restates the Berlin memory and not the cat: one useful, one not useful.
    expect((await memory.get('carol', berlin.id)).metadata.feedback).toMatchObject({
      useful: 1,
      notUseful: 0,
    });
    expect((await memory.get('carol', cat.id)).metadata.feedback).toMatchObject({ useful: 0, notUseful: 1 });

    // A thumbs down on another reply: the memory it used is not useful, the unused one unrated.
    const second = 'd4e6f8a0-3b5c-4d7e-9f1a-2b4c6d8e0f1a';
    await inlet(second);
    const catBefore = await memory.get('carol', cat.id);
    await h.call('POST', '/strata/filter/outlet', { key: KEYS.admin, json: envelope(-1, second) });
    expect((await memory.get('carol', berlin.id)).metadata.feedback).toMatchObject({
      useful: 1,
      notUseful: 1,
    });
    expect((await memory.get('carol', cat.id)).metadata.feedback).toEqual(catBefore.metadata.feedback);
    // Alice's memories are untouched by carol's ratings.
    expect((await memory.get('alice', lisbon.id)).metadata.feedback).toBeUndefined();
  });
});
