import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bridgeIds,
  episodic,
  type RealEngine,
  realEngine,
  storedReplyId,
} from '../../../test-support/server/bridges.ts';
import { type Harness, KEYS, startHarness } from '../../../test-support/server/harness.ts';

type Message = { id?: string; role: string; content: unknown; timestamp?: number };
type Envelope = { user: { id: string }; body: { messages: Message[] } & Record<string, unknown> };

const fixture = (): Envelope =>
  JSON.parse(
    readFileSync(
      join(import.meta.dirname, '../../../test-support/fixtures/open-webui/outlet-chat.json'),
      'utf8',
    ),
  ) as Envelope;

const FIRST_REPLY = 'Welcome to Lisbon! Tram 28 rattles through Alfama and Graça, a lovely ride.';

/** The fixture's chat one turn later: Open WebUI sends the whole conversation to the outlet. */
function secondTurn(userId: string, withIds = true): Envelope {
  const envelope = fixture();
  envelope.user.id = userId;
  envelope.body.messages.push(
    {
      id: 'a1b2c3d4-0000-4000-8000-000000000003',
      role: 'user',
      content: 'Yes, I take it every morning to my pottery class.',
      timestamp: 1764061200,
    },
    {
      id: 'a1b2c3d4-0000-4000-8000-000000000004',
      role: 'assistant',
      content: 'A scenic commute to a creative class, enjoy it!',
      timestamp: 1764061206,
    },
  );
  envelope.body.id = 'a1b2c3d4-0000-4000-8000-000000000004';
  if (!withIds) for (const m of envelope.body.messages) delete m.id;
  return envelope;
}

describe('Open WebUI outlet bridges (real engine, real socket)', () => {
  let engine: RealEngine;
  let h: Harness;
  beforeEach(async () => {
    engine = realEngine();
    h = await startHarness(engine.memory, { startOutbox: false });
  });
  afterEach(async () => {
    await h.close();
    await engine.close();
  });

  const outlet = async (envelope: Envelope, key: string = KEYS.admin) => {
    const reply = await h.call('POST', '/strata/filter/outlet', { key, json: envelope });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(envelope.body);
  };

  it('stores the first turn as before (no bridge), and the second turn bridges the reply it answers', async () => {
    await outlet(fixture());
    const first = await episodic(engine.memory, 'alice');
    expect(first.bridges).toEqual([]);
    expect(first.messages.map((m) => m.id).sort()).toEqual([
      'a1b2c3d4-0000-4000-8000-000000000001',
      'a1b2c3d4-0000-4000-8000-000000000002',
    ]);

    await outlet(secondTurn('alice'));
    const second = await episodic(engine.memory, 'alice');
    expect(second.bridges).toHaveLength(1);
    const bridge = second.bridges[0];
    expect(bridgeIds(bridge)).toEqual([
      'a1b2c3d4-0000-4000-8000-000000000002',
      'a1b2c3d4-0000-4000-8000-000000000003',
    ]);
    expect(bridge?.content).toBe(
      `Assistant: ${FIRST_REPLY}\nUser: Yes, I take it every morning to my pottery class.`,
    );
    expect(bridge?.sources.map((s) => s.messageId)).toEqual(bridgeIds(bridge));
    // The earlier reply is referenced, not stored again.
    expect(storedReplyId(second, FIRST_REPLY)).toEqual(['a1b2c3d4-0000-4000-8000-000000000002']);
    expect(second.messages).toHaveLength(4);
  });

  it('links messages without Open WebUI ids through the id their own outlet derived', async () => {
    const first = fixture();
    for (const m of first.body.messages) delete m.id;
    await outlet(first);
    // The derived ids are the ones observeTurn gives an id-less turn: /v1/turns sees the same turn.
    const same = await h.call('POST', '/v1/turns', {
      json: {
        userId: 'alice',
        chatId: first.body.chat_id,
        timestamp: new Date(1764061105 * 1000).toISOString(),
        messages: first.body.messages.map(({ role, content }) => ({ role, content })),
      },
    });
    expect(same.body).toMatchObject({ skipped: true });
    await outlet(secondTurn('alice', false));
    const state = await episodic(engine.memory, 'alice');
    expect(state.bridges).toHaveLength(1);
    const [replyId] = storedReplyId(state, FIRST_REPLY);
    expect(replyId).toBeDefined();
    expect(bridgeIds(state.bridges[0])[0]).toBe(replyId);
    expect(storedReplyId(state, FIRST_REPLY)).toHaveLength(1);
  });

  it('keeps bridges per user: a foreign message id brings nothing of the other user', async () => {
    await outlet(fixture());
    await outlet(secondTurn('alice'));
    const alice = await episodic(engine.memory, 'alice');
    // Bob's chat reuses alice's message ids (as a forged or copied body would).
    const forged = secondTurn('bob');
    const previous = forged.body.messages[1];
    if (previous) previous.content = 'Which class do you take?';
    await outlet(forged);
    const bob = await episodic(engine.memory, 'bob');
    expect(bob.bridges.map((m) => m.userId)).toEqual(['bob']);
    expect(bob.bridges[0]?.content).toContain('Assistant: Which class do you take?');
    expect(bob.all.some((m) => m.content.includes('Tram 28'))).toBe(false);
    expect((await episodic(engine.memory, 'alice')).all.map((m) => m.id).sort()).toEqual(
      alice.all.map((m) => m.id).sort(),
    );
    // A key bound to bob cannot file a turn under alice.
    const denied = await h.call('POST', '/strata/filter/outlet', {
      key: KEYS.bob,
      json: secondTurn('alice'),
    });
    expect(denied.status).toBe(403);
    const hits = await engine.memory.search({ userId: 'bob', query: 'tram Lisbon Alfama', k: 20 });
    expect(hits.every((r) => r.memory.userId === 'bob' && !r.memory.content.includes('Alfama'))).toBe(true);
  });

  it('POST /v1/turns accepts the earlier reply with its id and bridges it', async () => {
    const turn = {
      userId: 'carol',
      chatId: 'c1',
      messages: [
        { id: 'm1', role: 'user', content: 'I started reading Dune.' },
        { id: 'm2', role: 'assistant', content: 'What do you think of Paul so far?' },
      ],
    };
    expect((await h.call('POST', '/v1/turns', { json: turn })).status).toBe(200);
    expect((await episodic(engine.memory, 'carol')).bridges).toEqual([]);
    const next = {
      userId: 'carol',
      chatId: 'c1',
      messages: [
        { id: 'm2', role: 'assistant', content: 'What do you think of Paul so far?' },
        { id: 'm3', role: 'user', content: 'He is too calm for a teenager.' },
        { id: 'm4', role: 'assistant', content: 'Bene Gesserit training does that.' },
      ],
    };
    expect((await h.call('POST', '/v1/turns', { json: next })).status).toBe(200);
    const state = await episodic(engine.memory, 'carol');
    expect(state.bridges.map(bridgeIds)).toEqual([['m2', 'm3']]);
    expect(state.messages.map((m) => m.id).sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
  });
});
