/**
 * feedback() through the library on every store: useful reinforces, wrong demotes at once
 * and leaves the memory out of the block, a repeated rating for one message counts once,
 * each rating is a version in the history and in the export, the learned layer weights
 * survive a reopen (SQLite) and an export/import, learning.enabled=false keeps them at 1,
 * and bob's feedback can neither touch alice's memories nor move her weights.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { LAYERS, type Memory } from '../src/types.ts';
import {
  availableStores,
  engineConfig,
  errorOf,
  readStream,
  tempDir,
} from '../test-support/engine/e2e-engine.ts';

/** The learner ships off; these tests exercise it. */
const LEARNING = { learning: { enabled: true } } as const;
/** Rated messages enough for the check (20 tested messages) to let learned weights apply. */
const MESSAGES = 30;

describe.each(availableStores())('feedback on the %s store', (kind) => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  let tram: Memory;
  let city: Memory;
  let mood: Memory;

  beforeEach(async () => {
    dir = tempDir();
    memory = createMemory(engineConfig(kind, dir.path, LEARNING));
    tram = await memory.add({
      userId: 'alice',
      layer: 'semantic',
      content: 'Alice loves the tram 28 in Lisbon',
    });
    city = await memory.add({
      userId: 'alice',
      layer: 'semantic',
      content: 'Alice lives in Lisbon near the tram',
    });
    mood = await memory.add({
      userId: 'alice',
      layer: 'emotional',
      content: 'Alice felt lonely in Lisbon at first',
    });
    await memory.add({ userId: 'bob', layer: 'semantic', content: 'Bob rides the tram in Porto' });
  });
  afterEach(async () => {
    await memory.close();
    dir.remove();
  });

  it('reinforces a useful memory as a new version and counts a repeated rating once', async () => {
    const first = await memory.feedback({
      userId: 'alice',
      memoryIds: [tram.id],
      rating: 'useful',
      messageId: 'm1',
    });
    const rated = first.memories[0]!;
    expect(rated.version).toBe(2);
    expect(rated.strength).toBeCloseTo(tram.strength + 0.2);
    expect(rated.accessCount).toBe(1);
    expect(rated.metadata.feedback).toMatchObject({
      useful: 1,
      notUseful: 0,
      wrong: 0,
      lastRating: 'useful',
    });
    const again = await memory.feedback({
      userId: 'alice',
      memoryIds: [tram.id],
      rating: 'useful',
      messageId: 'm1',
    });
    expect(again.repeated).toEqual([tram.id]);
    expect((await memory.get('alice', tram.id)).version).toBe(2);
    const history = await memory.history('alice', tram.id);
    expect(history.map((v) => v.op)).toEqual(['create', 'update']);
    expect(await readStream(memory.export('alice'))).toContain('"feedback":{');
  });

  it('demotes a wrong memory at once: lower score, out of the block, flag with the time', async () => {
    const request = {
      userId: 'alice',
      messages: [{ role: 'user' as const, content: 'Where does Alice live, near which tram?' }],
      dryRun: true,
    };
    const before = await memory.recall(request);
    expect(before.contextIds).toContain(city.id);
    const scoreBefore = before.memories.find((r) => r.memory.id === city.id)!.score;
    const { memories } = await memory.feedback({ userId: 'alice', memoryIds: [city.id], rating: 'wrong' });
    expect(typeof memories[0]!.metadata.flaggedWrong).toBe('string');
    expect(memories[0]!.importance).toBeCloseTo(city.importance / 2);
    const after = await memory.recall(request);
    expect(after.contextIds).not.toContain(city.id);
    expect(after.context).not.toContain('lives in Lisbon near the tram');
    const scoreAfter = after.memories.find((r) => r.memory.id === city.id)?.score ?? 0;
    expect(scoreAfter).toBeLessThan(scoreBefore * 0.25);
  });

  it('learns layer weights from feedback; bob can neither rate alice memories nor move her weights', async () => {
    const neutral = Object.fromEntries(LAYERS.map((l) => [l, 1]));
    for (let i = 0; i < MESSAGES; i++) {
      await memory.feedback({
        userId: 'alice',
        memoryIds: [tram.id, city.id],
        rating: 'useful',
        messageId: `q${i}`,
        recalled: [mood.id, tram.id, city.id],
      });
      // The useless emotional line was offered above the useful semantic ones: a misordered pair.
      await memory.feedback({
        userId: 'alice',
        memoryIds: [mood.id],
        rating: 'not_useful',
        messageId: `q${i}`,
        recalled: [mood.id, tram.id, city.id],
      });
    }
    const { weights } = await memory.feedback({
      userId: 'alice',
      memoryIds: [tram.id],
      rating: 'useful',
      messageId: 'last',
    });
    expect(weights.semantic).toBeGreaterThan(1);
    expect(weights.emotional).toBeLessThan(1);
    expect(weights.semantic).toBeLessThanOrEqual(2);
    expect(weights.emotional).toBeGreaterThanOrEqual(0.5);

    const aliceBefore = (await memory.list({ userId: 'alice' })).items;
    const foreign = await errorOf(memory.feedback({ userId: 'bob', memoryIds: [tram.id], rating: 'wrong' }));
    expect(foreign.code).toBe('not_found');
    const bobOwn = (await memory.list({ userId: 'bob' })).items[0]!;
    for (let i = 0; i < 5; i++) {
      await memory.feedback({
        userId: 'bob',
        memoryIds: [bobOwn.id],
        rating: 'not_useful',
        messageId: `b${i}`,
      });
    }
    // Bob's ratings moved only bob: alice's memories and her weights are as they were.
    expect((await memory.list({ userId: 'alice' })).items).toEqual(aliceBefore);
    const aliceNow = await memory.feedback({
      userId: 'alice',
      memoryIds: [tram.id],
      rating: 'useful',
      messageId: 'last',
    });
    expect(aliceNow.repeated).toEqual([tram.id]);
    expect(aliceNow.weights).toEqual(weights);
    const bobWeights = (
      await memory.feedback({ userId: 'bob', memoryIds: [bobOwn.id], rating: 'not_useful', messageId: 'b0' })
    ).weights;
    expect(bobWeights).not.toEqual(weights);
    expect(bobWeights.emotional).toBe(neutral.emotional);
  });

  it('keeps the weights through export and import into a fresh store', async () => {
    for (let i = 0; i < MESSAGES; i++) {
      await memory.feedback({
        userId: 'alice',
        memoryIds: [mood.id],
        rating: 'not_useful',
        messageId: `q${i}`,
        recalled: [mood.id, tram.id],
      });
      await memory.feedback({
        userId: 'alice',
        memoryIds: [tram.id],
        rating: 'useful',
        messageId: `q${i}`,
        recalled: [mood.id, tram.id],
      });
    }
    const { weights } = await memory.feedback({
      userId: 'alice',
      memoryIds: [tram.id],
      rating: 'useful',
      messageId: 'q0',
    });
    expect(weights.semantic).toBeGreaterThan(1);
    const ndjson = await readStream(memory.export('alice'));
    const other = tempDir();
    const copy = createMemory(engineConfig(kind, other.path, LEARNING));
    try {
      await copy.import(ndjson);
      const replay = await copy.feedback({
        userId: 'alice',
        memoryIds: [tram.id],
        rating: 'useful',
        messageId: 'q0',
      });
      expect(replay.repeated).toEqual([tram.id]);
      expect(replay.weights).toEqual(weights);
      expect((await copy.get('alice', mood.id)).metadata.feedback).toMatchObject({ notUseful: MESSAGES });
    } finally {
      await copy.close();
      other.remove();
    }
  });

  it('keeps every weight at 1 with learning off', async () => {
    const off = createMemory(engineConfig(kind, tempDir().path, { learning: { enabled: false } }));
    try {
      const m = await off.add({ userId: 'carol', content: 'Carol plays chess' });
      const { weights, memories } = await off.feedback({
        userId: 'carol',
        memoryIds: [m.id],
        rating: 'useful',
      });
      expect(weights).toEqual(Object.fromEntries(LAYERS.map((l) => [l, 1])));
      expect(memories[0]!.metadata.feedback).toMatchObject({ useful: 1 });
    } finally {
      await off.close();
    }
  });
});

describe('the global prior', () => {
  it('is refitted by an all-user consolidation and starts a user without feedback there', async () => {
    const dir = tempDir();
    const memory = createMemory(engineConfig('sqlite', dir.path, LEARNING));
    try {
      const e = await memory.add({ userId: 'alice', layer: 'episodic', content: 'Alice went to Sintra' });
      const s = await memory.add({ userId: 'alice', layer: 'semantic', content: 'Alice likes castles' });
      const c = await memory.add({ userId: 'carol', layer: 'semantic', content: 'Carol likes chess' });
      for (let i = 0; i < MESSAGES; i++) {
        const recalled = [s.id, e.id];
        await memory.feedback({
          userId: 'alice',
          memoryIds: [e.id],
          rating: 'useful',
          messageId: `q${i}`,
          recalled,
        });
        await memory.feedback({
          userId: 'alice',
          memoryIds: [s.id],
          rating: 'not_useful',
          messageId: `q${i}`,
          recalled,
        });
      }
      const carolBefore = await memory.feedback({
        userId: 'carol',
        memoryIds: [c.id],
        rating: 'useful',
        messageId: 'x',
      });
      expect(carolBefore.weights.episodic).toBe(1);
      await memory.consolidate({ userId: 'carol' });
      const still = await memory.feedback({
        userId: 'carol',
        memoryIds: [c.id],
        rating: 'useful',
        messageId: 'x',
      });
      expect(still.weights).toEqual(carolBefore.weights);
      await memory.consolidate();
      const after = await memory.feedback({
        userId: 'carol',
        memoryIds: [c.id],
        rating: 'useful',
        messageId: 'x',
      });
      expect(after.weights.episodic).toBeGreaterThan(1);
    } finally {
      await memory.close();
      dir.remove();
    }
  });
});

describe('learned weights on SQLite', () => {
  it('survive closing and reopening the store', async () => {
    const dir = tempDir();
    const config = engineConfig('sqlite', dir.path, LEARNING);
    const first = createMemory(config);
    const m = await first.add({ userId: 'alice', layer: 'episodic', content: 'Alice went to Sintra' });
    const s = await first.add({ userId: 'alice', layer: 'semantic', content: 'Alice likes castles' });
    let weights: Record<string, number> = {};
    for (let i = 0; i < MESSAGES; i++) {
      const recalled = [s.id, m.id];
      await first.feedback({
        userId: 'alice',
        memoryIds: [m.id],
        rating: 'useful',
        messageId: `q${i}`,
        recalled,
      });
      weights = (
        await first.feedback({
          userId: 'alice',
          memoryIds: [s.id],
          rating: 'not_useful',
          messageId: `q${i}`,
          recalled,
        })
      ).weights;
    }
    await first.close();
    const second = createMemory(config);
    try {
      const again = await second.feedback({
        userId: 'alice',
        memoryIds: [s.id],
        rating: 'not_useful',
        messageId: 'n0',
      });
      expect(again.weights).toEqual(weights);
      expect(again.weights.episodic).toBeGreaterThan(1);
    } finally {
      await second.close();
      dir.remove();
    }
  });
});

describe('the learned block budget on SQLite', { timeout: 120_000 }, () => {
  it("moves block share to the layer whose lines were useful, changes a small store's block, and leaves bob's budget alone", async () => {
    const dir = tempDir();
    // A block with room for four lines of about 20 tokens (the frame takes about 47): the
    // default shares give semantic lines three of them, emotional ones one.
    const config = engineConfig('sqlite', dir.path, {
      learning: { enabled: true, priorEvents: 0 },
      recall: { maxTokens: 140 },
    });
    const memory = createMemory(config);
    const pair = async (userId: string, place: string) => ({
      facts: [
        await memory.add({ userId, layer: 'semantic', content: `${userId} loves the ${place} market` }),
        await memory.add({ userId, layer: 'semantic', content: `${userId} shops at the ${place} market` }),
      ],
      feelings: [
        await memory.add({
          userId,
          layer: 'emotional',
          content: `${userId} felt lonely at the ${place} market`,
        }),
        await memory.add({
          userId,
          layer: 'emotional',
          content: `${userId} felt sad at the ${place} market`,
        }),
      ],
    });
    const layersInBlock = async (userId: string, place: string) => {
      const { contextIds } = await memory.recall({
        userId,
        messages: [{ role: 'user', content: `How did I feel at the ${place} market?` }],
        dryRun: true,
      });
      const layers = await Promise.all(
        (contextIds ?? []).map(async (id) => (await memory.get(userId, id)).layer),
      );
      return layers;
    };
    try {
      const bobPlace = await pair('bob', 'harbour');
      const bobBefore = await layersInBlock('bob', 'harbour');
      const probe = await pair('alice', 'probe');
      const before = await layersInBlock('alice', 'probe');
      // Shares exist after 40 rated lines (10 messages), then 20 tested messages for the check.
      for (let i = 0; i < 36; i++) {
        const place = `street${i}`;
        const { facts, feelings } = await pair('alice', place);
        const query = `How did I feel at the ${place} market?`;
        await memory.feedback({
          userId: 'alice',
          memoryIds: feelings.map((m) => m.id),
          rating: 'useful',
          messageId: `b${i}`,
          query,
        });
        await memory.feedback({
          userId: 'alice',
          memoryIds: facts.map((m) => m.id),
          rating: 'not_useful',
          messageId: `b${i}`,
          query,
        });
      }
      const explained = await memory.explain({
        userId: 'alice',
        messages: [{ role: 'user', content: 'How did I feel at the probe market?' }],
      });
      const { budget } = explained.learning;
      expect(budget.userShares!.emotional).toBeGreaterThan(budget.defaultShares.emotional);
      expect(budget.userShares!.semantic).toBeLessThan(budget.defaultShares.semantic);
      expect(budget.check.messages).toBeGreaterThanOrEqual(20);
      expect(budget.check.applied).toBe(true);
      expect(budget.shares.emotional).toBeGreaterThan(budget.defaultShares.emotional);
      // The block of a question the learner never saw now holds more feelings than before.
      const after = await layersInBlock('alice', 'probe');
      const feelings = (layers: string[]) => layers.filter((l) => l === 'emotional').length;
      expect(feelings(after)).toBeGreaterThan(feelings(before));
      expect(probe.feelings.length).toBe(2);
      // Bob rated nothing: his budget is the defaults and his block is as it was.
      const bob = (
        await memory.explain({
          userId: 'bob',
          messages: [{ role: 'user', content: 'How did I feel at the harbour market?' }],
        })
      ).learning.budget;
      expect(bob.userShares).toBeNull();
      expect(bob.shares).toEqual(bob.defaultShares);
      expect(bob.check.applied).toBe(false);
      expect(await layersInBlock('bob', 'harbour')).toEqual(bobBefore);
      expect(bobPlace.facts.length).toBe(2);
    } finally {
      await memory.close();
      dir.remove();
    }
  });
});
