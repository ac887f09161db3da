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

describe('explain and learning stats', { timeout: 120_000 }, () => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  let tram: Memory;
  let mood: Memory;
  let wrong: Memory;

  beforeAll(async () => {
    dir = tempDir();
    memory = createMemory(engineConfig('sqlite', dir.path, { learning: { enabled: true, priorEvents: 0 } }));
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
    // Recall put the emotional memory above the semantic one; the user said the semantic one helped.
    const recalled = [mood.id, tram.id];
    await memory.feedback({
      userId: 'alice',
      memoryIds: [mood.id],
      rating: 'not_useful',
      messageId: 'r1',
      recalled,
      query: QUESTION,
    });
    await memory.feedback({
      userId: 'alice',
      memoryIds: [tram.id],
      rating: 'useful',
      messageId: 'r1',
      recalled,
      query: QUESTION,
    });
    await memory.feedback({ userId: 'alice', memoryIds: [wrong.id], rating: 'wrong', query: QUESTION });
  });
  afterAll(async () => {
    await memory.close();
    dir.remove();
  });

  it('library: each line with its signals, learned weight and ratings; nothing touched', async () => {
    const before = await memory.get('alice', tram.id);
    const result = await memory.explain({ userId: 'alice', messages: [{ role: 'user', content: QUESTION }] });
    expect(result.context).toContain('tram 28');
    const byId = new Map(result.lines.map((l) => [l.memory.id, l]));
    const t = byId.get(tram.id)!;
    expect(t.inBlock).toBe(true);
    expect(t.signals.relevance).toBeGreaterThan(0);
    expect(t.feedback).toMatchObject({ useful: 1, notUseful: 0, wrong: 0, flaggedWrong: false });
    // The misordered pair moved semantic up and emotional down for this kind of question.
    expect(t.learnedWeight).toBeGreaterThan(1);
    expect(byId.get(mood.id)?.learnedWeight).toBeLessThan(1);
    const w = byId.get(wrong.id)!;
    expect(w.feedback.flaggedWrong).toBe(true);
    expect(w.inBlock).toBe(false);
    expect(result.context).not.toContain('tram 15');
    expect(result.learning).toMatchObject({
      enabled: true,
      queryKind: 'other',
      ratings: 3,
      useful: 1,
      pairs: 1,
    });
    expect(result.learning.ownShare).toBe(1);
    expect(result.learning.weights.semantic).toBeCloseTo(result.learning.userWeights.semantic);
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
    expect(alice.users[0]).toMatchObject({ userId: 'alice', ratings: 3, useful: 1, pairs: 1 });
    expect(alice.users[0]!.maxFactor).toBeGreaterThan(1);
    const bob = (await memory.stats('bob')).learning!;
    expect(bob.users[0]).toMatchObject({ userId: 'bob', ratings: 0, pairs: 0, maxFactor: 1 });
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
        json: { messages: [{ role: 'user', content: QUESTION }] },
      });
      expect(mine.status).toBe(200);
      const body = mine.body as ExplainResult;
      expect(body.lines.some((l) => l.memory.id === tram.id && l.inBlock)).toBe(true);
      expect(body.learning.pairs).toBe(1);

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
      expect(stdout).toMatch(/learned weights for 'other' questions: .*semantic ×1\.\d+/);
      expect(stdout).toMatch(/from 3 ratings \(1 useful\), 1 misordered pairs/);
      expect(stdout).toMatch(/wrong \(1\)/);
      const { stdout: json } = await run(['explain', '--user', 'alice', QUESTION, '--json']);
      const parsed = JSON.parse(json) as ExplainResult;
      expect(parsed.lines.find((l) => l.memory.id === tram.id)?.inBlock).toBe(true);
    });

    it('strata stats prints feedback per user', async () => {
      const { stdout } = await run(['stats']);
      expect(stdout).toContain('learning: on');
      expect(stdout).toMatch(/alice.*3.*1.*1.*×1\.\d+/);
      const { stdout: json } = await run(['stats', '--json']);
      expect((JSON.parse(json) as MemoryStats).learning?.users).toHaveLength(1);
    });
  });
});
