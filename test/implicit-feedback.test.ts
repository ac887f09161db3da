/**
 * Implicit feedback: a turn observed with the memories the model got for its reply rates
 * them by the reply (used = useful, the rest = not useful), only with learning.implicit
 * on. Through the library, and over real sockets through Open WebUI's inlet → outlet
 * (the injected ids recorded per reply) and the OpenAI proxy against a fake upstream.
 * Another user's memory named in `recalled` is never touched.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import {
  implicitRatings,
  isCorrection,
  negatedTerms,
  replyRatings,
} from '../src/engine/implicit-feedback.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { newMemory } from '../src/records.ts';
import type { Memory } from '../src/types.ts';
import { engineConfig, tempDir } from '../test-support/engine/e2e-engine.ts';
import { type Harness, KEYS, startHarness } from '../test-support/server/harness.ts';

const QUESTION = 'Where do I live now?';
const REPLY_TEXT = 'You are in Lisbon, Alice.';

describe('implicitRatings (pure)', () => {
  const m = (content: string) =>
    newMemory({ userId: 'u', layer: 'semantic', content }, '2026-01-01T00:00:00.000Z', null);
  it('a memory whose words the reply restates is used; the question alone uses nothing', () => {
    const lisbon = m('Alice lives in Lisbon');
    const tram = m('Alice loves the tram 28');
    expect(implicitRatings([lisbon, tram], REPLY_TEXT, QUESTION)).toEqual({
      used: [lisbon.id],
      unused: [tram.id],
      wrong: [],
    });
    // Speaker names of exchange lines do not count.
    const exchange = m('Alice: I love trams\nAssistant: Noted.');
    expect(implicitRatings([exchange], 'Alice, assistant here.', QUESTION).used).toEqual([]);
    // A reply that only repeats the question's words uses nothing.
    const live = m('Where I live now is a question');
    expect(implicitRatings([live], 'Where do you live now?', QUESTION).used).toEqual([]);
  });
});

describe('replyRatings (pure): a rating of a whole reply as ratings of its memories', () => {
  const m = (content: string) =>
    newMemory({ userId: 'u', layer: 'semantic', content }, '2026-01-01T00:00:00.000Z', null);
  const lisbon = m('Alice lives in Lisbon');
  const tram = m('Alice loves the tram 28');
  it('a thumbs up: the used memory useful, the unused not useful (a pair to learn from)', () => {
    expect(replyRatings([lisbon, tram], REPLY_TEXT, QUESTION, true)).toEqual([
      { rating: 'useful', memoryIds: [lisbon.id] },
      { rating: 'not_useful', memoryIds: [tram.id] },
    ]);
  });
  it('a thumbs down: the used memory not useful, the unused one unrated', () => {
    expect(replyRatings([lisbon, tram], REPLY_TEXT, QUESTION, false)).toEqual([
      { rating: 'not_useful', memoryIds: [lisbon.id] },
    ]);
  });
  it('a reply that used none of its memories is rated whole; no memories, no ratings', () => {
    expect(replyRatings([lisbon, tram], 'Sure!', QUESTION, true)).toEqual([
      { rating: 'useful', memoryIds: [lisbon.id, tram.id] },
    ]);
    expect(replyRatings([lisbon, tram], 'Sure!', QUESTION, false)).toEqual([
      { rating: 'not_useful', memoryIds: [lisbon.id, tram.id] },
    ]);
    expect(replyRatings([], REPLY_TEXT, QUESTION, true)).toEqual([]);
  });
});

describe('corrections (pure)', () => {
  const m = (content: string) =>
    newMemory({ userId: 'u', layer: 'semantic', content }, '2026-01-01T00:00:00.000Z', null);
  it('a message opening as a correction rates wrong what it negates or what the turn superseded', () => {
    expect(isCorrection('No, I moved to Berlin last month')).toBe(true);
    expect(isCorrection("Actually, it's Anna, not Maria")).toBe(true);
    expect(isCorrection("That's wrong, I quit that job")).toBe(true);
    expect(isCorrection('Nobody told me about Berlin')).toBe(false);
    expect(isCorrection('I moved to Berlin last month')).toBe(false);
    expect([...negatedTerms("Actually, it's Anna, not Maria")]).toEqual(['maria']);
    // A term both negated and affirmed is not wrong ("not the red one, the red car").
    expect([...negatedTerms('No, not red, the red car')]).toEqual([]);
    const maria = m('My sister is called Maria');
    const anna = m('Anna is a good friend');
    const munich = m('User lives in Munich');
    const reply = 'Got it, Anna is your sister.';
    const correction = 'Actually, my sister is Anna, not Maria';
    expect(implicitRatings([maria, anna, munich], reply, correction, new Set([munich.id]))).toEqual({
      used: [],
      unused: [anna.id],
      wrong: [maria.id, munich.id],
    });
    // Without the cue, news is news: a superseded fact is not called wrong.
    expect(
      implicitRatings([munich], 'Berlin, nice!', 'I moved to Berlin', new Set([munich.id])).wrong,
    ).toEqual([]);
  });
});

describe('implicit feedback end to end', { timeout: 60_000 }, () => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  let lisbon: Memory;
  let tram: Memory;
  let porto: Memory;

  const open = async (implicit: boolean) => {
    dir = tempDir();
    memory = createMemory(engineConfig('sqlite', dir.path, { learning: { enabled: true, implicit } }));
    lisbon = await memory.add({ userId: 'alice', content: 'Alice lives in Lisbon' });
    tram = await memory.add({ userId: 'alice', content: 'Alice loves the tram 28' });
    porto = await memory.add({ userId: 'bob', content: 'Bob lives in Lisbon, Alice knows' });
  };
  afterEach(async () => {
    await memory.close();
    dir.remove();
  });

  const turn = (recalled: string[]) => ({
    userId: 'alice',
    chatId: 'c1',
    messages: [
      { role: 'user' as const, content: QUESTION },
      { role: 'assistant' as const, content: REPLY_TEXT },
    ],
    recalled,
  });

  it('library: the used memory is rated useful, the unused not useful, one message for the learner', async () => {
    await open(true);
    await memory.observeTurn(turn([lisbon.id, tram.id, porto.id]));
    expect((await memory.get('alice', lisbon.id)).metadata.feedback).toMatchObject({
      useful: 1,
      notUseful: 0,
    });
    expect((await memory.get('alice', tram.id)).metadata.feedback).toMatchObject({ useful: 0, notUseful: 1 });
    // Bob's memory named in alice's turn is skipped, not rated.
    const bobs = await memory.get('bob', porto.id);
    expect(bobs.version).toBe(1);
    expect(bobs.metadata.feedback).toBeUndefined();
    const stats = (await memory.stats('alice')).learning!;
    expect(stats.users[0]).toMatchObject({ ratings: 2, useful: 1 });
    expect((await memory.stats('bob')).learning!.users[0]).toMatchObject({ ratings: 0 });
  });

  it('library: a correction flags the fact it supersedes wrong, and recall leaves it out', async () => {
    await open(true);
    await memory.observeTurn({
      userId: 'alice',
      chatId: 'c0',
      messages: [{ role: 'user', content: 'I live in Munich.' }],
    });
    const ask = {
      userId: 'alice',
      messages: [{ role: 'user' as const, content: 'Where do I live?' }],
      dryRun: true,
    };
    const before = await memory.recall(ask);
    const munichFacts = (await memory.list({ userId: 'alice', layer: 'semantic' })).items.filter((x) =>
      /munich/i.test(x.content),
    );
    expect(munichFacts.length).toBeGreaterThan(0);
    const recalled = [...new Set([...(before.contextIds ?? []), ...munichFacts.map((x) => x.id)])];
    await memory.observeTurn({
      userId: 'alice',
      chatId: 'c1',
      messages: [
        { role: 'user', content: 'No, I moved to Berlin.' },
        { role: 'assistant', content: 'Thanks for telling me, Berlin it is.' },
      ],
      recalled,
    });
    for (const fact of munichFacts) {
      const now = await memory.get('alice', fact.id);
      expect(now.supersededBy, fact.content).toBeTruthy();
      expect(now.metadata.feedback, fact.content).toMatchObject({ wrong: 1 });
      expect(now.metadata.flaggedWrong).toBeTruthy();
    }
    const after = await memory.recall(ask);
    for (const fact of munichFacts) expect(after.contextIds).not.toContain(fact.id);
    expect(after.context).toMatch(/Berlin/);
  });

  it('library: with learning.implicit off (the default) recalled ids change nothing', async () => {
    await open(false);
    await memory.observeTurn(turn([lisbon.id, tram.id]));
    expect((await memory.get('alice', lisbon.id)).version).toBe(1);
    expect((await memory.get('alice', tram.id)).metadata.feedback).toBeUndefined();
  });

  describe('over real sockets', () => {
    let h: Harness;
    let upstream: Server;
    beforeEach(async () => {
      await open(true);
      upstream = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              id: 'c1',
              object: 'chat.completion',
              choices: [
                { index: 0, message: { role: 'assistant', content: REPLY_TEXT }, finish_reason: 'stop' },
              ],
            }),
          );
        });
      });
      await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
      const port = (upstream.address() as AddressInfo).port;
      h = await startHarness(memory, {
        startOutbox: false,
        server: { upstream: { baseUrl: `http://127.0.0.1:${port}/v1` } },
      });
    });
    afterEach(async () => {
      await h.close();
      await new Promise((resolve) => upstream.close(resolve));
    });

    it('Open WebUI: the outlet rates the memories its inlet injected for that reply', async () => {
      const chat = '6f1c2d4e-8a9b-4c3d-9e2f-1a2b3c4d5e6f';
      const reply = '0b7e6a1c-5d4f-4e3a-8b2c-9d1e0f2a3b4c';
      const user = { id: 'alice', email: 'alice@example.com', name: 'alice', role: 'user' };
      const inlet = await h.call('POST', '/strata/filter/inlet', {
        json: {
          user,
          body: {
            stream: true,
            model: 'llama3.1:8b',
            messages: [{ role: 'user', content: QUESTION }],
            metadata: { user_id: 'alice', chat_id: chat, message_id: reply, session_id: 's1' },
          },
        },
      });
      expect(JSON.stringify(inlet.body)).toContain('Alice lives in Lisbon');
      const outlet = await h.call('POST', '/strata/filter/outlet', {
        json: {
          user,
          body: {
            model: 'llama3.1:8b',
            messages: [
              { id: 'q1', role: 'user', content: QUESTION, timestamp: 1764061200 },
              { id: reply, role: 'assistant', content: REPLY_TEXT, timestamp: 1764061205 },
            ],
            chat_id: chat,
            session_id: 's1',
            id: reply,
          },
        },
      });
      expect(outlet.status).toBe(200);
      expect((await memory.get('alice', lisbon.id)).metadata.feedback).toMatchObject({ useful: 1 });
      expect((await memory.get('bob', porto.id)).version).toBe(1);
    });

    it('the OpenAI proxy: the reply rates the memories injected into its request', async () => {
      const response = await h.call('POST', '/v1/chat/completions', {
        key: KEYS.alice,
        json: { model: 'm', messages: [{ role: 'user', content: QUESTION }] },
      });
      expect(response.status).toBe(200);
      let feedback: unknown;
      for (let i = 0; i < 100 && !feedback; i++) {
        feedback = (await memory.get('alice', lisbon.id)).metadata.feedback;
        if (!feedback) await new Promise((r) => setTimeout(r, 20));
      }
      expect(feedback).toMatchObject({ useful: 1 });
      expect((await memory.get('bob', porto.id)).version).toBe(1);
    });
  });
});
