/**
 * Explain recall on every surface: the library's explain() (a dry run: nothing touched),
 * POST /v1/explain over a real socket with user-bound keys, and `strata explain` / `strata
 * stats` as child processes on a real SQLite data dir. Each ranked memory carries its
 * signals, its layer's learned weight and its ratings; the learning section says what moved
 * the weights; stats counts each user's feedback and how far their weights are from the
 * defaults; another user sees none of it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import type { ExplainResult, Memory, MemoryStats } from '../src/types.ts';
import { engineConfig, tempDir } from '../test-support/engine/e2e-engine.ts';
import { BIN, cleanEnv } from '../test-support/process/cli.ts';
import { errorOf, type Harness, KEYS, startHarness } from '../test-support/server/harness.ts';

const QUESTION = 'Which tram do I love in Lisbon?';

const MESSAGES = 30;

describe('explain and learning stats', { timeout: 120_000 }, () => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  let tram: Memory;
  let mood: Memory;
  let wrong: Memory;
  let defaultOrder: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    memory = createMemory(
      // A block of one line: the check counts whether the useful memory is the line the block holds.
      engineConfig('sqlite', dir.path, {
        learning: { enabled: true, priorEvents: 0, rate: 1 },
        recall: { maxTokens: 80 },
      }),
    );
    tram = await memory.add({
      userId: 'alice',
      layer: 'semantic',
      content: 'Alice loves the tram 28 in Lisbon',
    });
    mood = await memory.add({
      userId: 'alice',
      layer: 'emotional',
      content: 'Alice felt lonely on the Lisbon tram at first',
    });
    wrong = await memory.add({
      userId: 'alice',
      layer: 'episodic',
      content: 'Alice: I love tram 15 in Lisbon',
    });
    await memory.add({ userId: 'bob', layer: 'semantic', content: 'Bob loves the tram in Porto' });
    defaultOrder = (
      await memory.recall({
        userId: 'alice',
        messages: [{ role: 'user', content: QUESTION }],
        dryRun: true,
        maxTokens: 800,
      })
    ).memories.map((r) => r.memory.id);
    // Message after message, recall puts a fact above a feeling and the user says the feeling
    // helped: enough tested messages for the check to apply what the learner fitted.
    for (let i = 0; i < MESSAGES; i++) {
      const place = `street${i}`;
      const fact = await memory.add({
        userId: 'alice',
        layer: 'semantic',
        content: `Alice loves the ${place} market`,
      });
      const feeling = await memory.add({
        userId: 'alice',
        layer: 'emotional',
        content: `Alice felt lonely at the ${place} market`,
      });
      const query = `Was I lonely at the ${place} market?`;
      await memory.feedback({
        userId: 'alice',
        memoryIds: [fact.id],
        rating: 'not_useful',
        messageId: `r${i}`,
        query,
      });
      await memory.feedback({
        userId: 'alice',
        memoryIds: [feeling.id],
        rating: 'useful',
        messageId: `r${i}`,
        query,
      });
    }
    await memory.feedback({ userId: 'alice', memoryIds: [wrong.id], rating: 'wrong', query: QUESTION });
  });
  afterAll(async () => {
    await memory.close();
    dir.remove();
  });

  it('library: each line with its signals, learned weight and ratings; nothing touched', async () => {
    const before = await memory.get('alice', tram.id);
    const result = await memory.explain({
      userId: 'alice',
      messages: [{ role: 'user', content: QUESTION }],
      maxTokens: 800,
    });
    expect(result.context).toContain('tram 28');
    const byId = new Map(result.lines.map((l) => [l.memory.id, l]));
    const t = byId.get(tram.id)!;
    expect(t.inBlock).toBe(true);
    expect(t.signals.relevance).toBeGreaterThan(0);
    expect(t.feedback).toMatchObject({ useful: 0, notUseful: 0, wrong: 0, flaggedWrong: false });
    // The ratings moved emotional up and semantic down for this kind of question, and the
    // signal weights say by how much each signal moved each line.
    const m = byId.get(mood.id)!;
    expect(t.learnedWeight).toBeLessThan(1);
    expect(m.learnedWeight).toBeGreaterThan(1);
    expect(t.learnedContributions['layer:semantic@other']).toBeLessThan(0);
    expect(m.learnedContributions['layer:emotional@other']).toBeGreaterThan(0);
    expect(Object.keys(result.learning.signalWeights).length).toBeGreaterThan(2);
    expect(result.learning.check).toMatchObject({ applied: true, passes: true });
    expect(result.learning.check.meanGain).toBeGreaterThan(0);
    // The learned weights changed the ranking: the feeling now comes before the fact.
    expect(defaultOrder.indexOf(tram.id)).toBeLessThan(defaultOrder.indexOf(mood.id));
    const order = result.lines.map((l) => l.memory.id);
    expect(order.indexOf(mood.id)).toBeLessThan(order.indexOf(tram.id));
    const w = byId.get(wrong.id)!;
    expect(w.feedback.flaggedWrong).toBe(true);
    expect(w.inBlock).toBe(false);
    expect(result.context).not.toContain('tram 15');
    expect(result.learning).toMatchObject({
      enabled: true,
      queryKind: 'other',
      ratings: 2 * MESSAGES + 1,
      useful: MESSAGES,
      messages: MESSAGES,
      pairs: MESSAGES,
    });
    expect(result.learning.ownShare).toBe(1);
    // The budget learned from the same rated lines: feelings were the useful ones.
    const budget = result.learning.budget;
    expect(budget.lines).toMatchObject({ emotional: expect.any(Number), semantic: expect.any(Number) });
    expect(budget.userShares!.emotional).toBeGreaterThan(budget.defaultShares.emotional);
    expect(budget.userShares!.semantic).toBeLessThan(budget.defaultShares.semantic);
    expect(budget.check.messages).toBeGreaterThan(0);
    expect(result.learning.weights.emotional).toBeCloseTo(result.learning.userWeights.emotional);
    expect(result.lines.every((l) => l.memory.userId === 'alice')).toBe(true);
    // A dry run: no access recorded.
    const after = await memory.get('alice', tram.id);
    expect(after.accessCount).toBe(before.accessCount);
    expect(after.lastAccessedAt).toBe(before.lastAccessedAt);
  });

  it('library: stats per user say how much feedback and how far the weights moved', async () => {
    const alice = (await memory.stats('alice')).learning!;
    expect(alice.enabled).toBe(true);
    expect(alice.users).toHaveLength(1);
    expect(alice.users[0]).toMatchObject({
      userId: 'alice',
      ratings: 2 * MESSAGES + 1,
      useful: MESSAGES,
      pairs: MESSAGES,
      applied: true,
    });
    expect(alice.users[0]!.maxFactor).toBeGreaterThan(1);
    expect(alice.users[0]!.distance).toBeGreaterThan(0);
    expect(alice.users[0]!.budgetFactor).toBeGreaterThan(1);
    const bob = (await memory.stats('bob')).learning!;
    expect(bob.users[0]).toMatchObject({
      userId: 'bob',
      ratings: 0,
      pairs: 0,
      maxFactor: 1,
      distance: 0,
      applied: false,
    });
    const all = (await memory.stats()).learning!;
    expect(all.users.map((u) => u.userId)).toEqual(['alice']);
  });

  describe('POST /v1/explain over a real socket', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(memory);
    });
    afterAll(async () => {
      await h.close();
    });

    it("a user key explains its own recall and never another user's", async () => {
      const mine = await h.call('POST', '/v1/explain', {
        key: KEYS.alice,
        json: { messages: [{ role: 'user', content: QUESTION }], maxTokens: 800 },
      });
      expect(mine.status).toBe(200);
      const body = mine.body as ExplainResult;
      expect(body.lines.some((l) => l.memory.id === tram.id && l.inBlock)).toBe(true);
      expect(body.learning.pairs).toBe(MESSAGES);

      const other = await h.call('POST', '/v1/explain', {
        key: KEYS.bob,
        json: { userId: 'alice', messages: [{ role: 'user', content: QUESTION }] },
      });
      expect(other.status).toBe(403);
      expect(errorOf(other.body).code).toBe('forbidden');
      const bobs = await h.call('POST', '/v1/explain', {
        key: KEYS.bob,
        json: { messages: [{ role: 'user', content: QUESTION }] },
      });
      const bobBody = bobs.body as ExplainResult;
      expect(bobBody.lines.every((l) => l.memory.userId === 'bob')).toBe(true);
      expect(bobs.text).not.toContain('Alice');
      expect(bobBody.learning.ratings).toBe(0);
    });

    it('bad input is a typed 400', async () => {
      const bad = await h.call('POST', '/v1/explain', { key: KEYS.alice, json: { messages: [] } });
      expect(bad.status).toBe(400);
      expect(errorOf(bad.body).code).toBe('validation_error');
    });
  });

  describe('the CLI (child processes)', () => {
    const run = async (args: string[]) =>
      promisify(execFile)(process.execPath, [BIN, '--data-dir', dir.path, ...args], {
        env: { ...cleanEnv(), STRATA_LEARNING__ENABLED: 'true', STRATA_EMBEDDER__KIND: 'hash' },
        encoding: 'utf8',
      });
    beforeAll(async () => {
      await memory.close();
    });
    afterAll(async () => {
      memory = createMemory(engineConfig('sqlite', dir.path));
    });

    it('strata explain prints the block, a row per memory and the learned weights', async () => {
      const { stdout } = await run(['explain', '--user', 'alice', QUESTION]);
      expect(stdout).toContain('<memory_context>');
      expect(stdout).toMatch(/learned weights for 'other' questions: .*emotional ×\d\.\d+/);
      expect(stdout).toMatch(/from 61 ratings \(30 useful\) over 30 messages, 30 pairs/);
      expect(stdout).toMatch(/signal weights \(on ln score\): .*relevance/);
      expect(stdout).toMatch(/check: later messages' blocks better \d+, worse \d+ .*applied/);
      expect(stdout).toMatch(/block budget \(share per layer\): semantic [\d.]+/);
      expect(stdout).toMatch(/learned: .*emotional [\d.]+/);
      expect(stdout).toMatch(/wrong \(1\)/);
      const { stdout: json } = await run(['explain', '--user', 'alice', QUESTION, '--json']);
      const parsed = JSON.parse(json) as ExplainResult;
      expect(parsed.lines.find((l) => l.memory.id === tram.id)?.inBlock).toBe(true);
    });

    it('strata stats prints feedback per user', async () => {
      const { stdout } = await run(['stats']);
      expect(stdout).toContain('learning: on');
      expect(stdout).toMatch(/alice.*61.*30.*30.*30.*×[\d.]+.*yes/);
      const { stdout: json } = await run(['stats', '--json']);
      expect((JSON.parse(json) as MemoryStats).learning?.users).toHaveLength(1);
    });
  });
});
