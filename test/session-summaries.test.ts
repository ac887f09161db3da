/**
 * Session summaries written as conversations go, end to end on a real SQLite file: a new
 * session queues the previous one's summary, the background worker writes it (no
 * consolidate, no flush), the summary links to its session and quotes it with dates
 * resolved, recall uses it for an overview question (and not for others), and it is
 * exported and deleted with its user. Two users with
 * the same chat ids and instants never see each other's words in a summary.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import type { Memory } from '../src/types.ts';
import { fixedClock } from '../src/util/clock.ts';
import { engineConfig, readStream, tempDir } from '../test-support/engine/e2e-engine.ts';

let dir: ReturnType<typeof tempDir>;
let memory: StrataMemory | undefined;
beforeEach(() => {
  dir = tempDir('strata-summaries-');
});
afterEach(async () => {
  await memory?.close();
  memory = undefined;
  dir.remove();
});

function open(extra: Record<string, unknown> = {}) {
  const clock = fixedClock('2026-05-01T10:00:00Z');
  const config = engineConfig('sqlite', dir.path, {
    layers: { sessionSummaries: { enabled: true, delayMs: 0, ...extra } },
  });
  memory = createMemory(config, { clock });
  const say = (userId: string, chatId: string, at: string, user: string, reply = 'I see, tell me more.') => {
    clock.set(at);
    return memory!.observeTurn({
      userId,
      chatId,
      timestamp: at,
      messages: [
        { role: 'user', content: user },
        { role: 'assistant', content: reply },
      ],
    });
  };
  return { memory, clock, say };
}

async function summaries(m: StrataMemory, userId: string): Promise<Memory[]> {
  return (await m.list({ userId, layer: 'symbolic' })).items.filter(
    (s) => s.metadata.kind === 'session-summary',
  );
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('session summaries (sqlite)', () => {
  it('after two sessions a summary of the first exists, written in the background, and recall uses it', async () => {
    const { memory: m, clock, say } = open();
    await say('u1', 'c1', '2026-05-01T10:00:00Z', 'I am so nervous about my chemistry exam next Friday.');
    await say(
      'u1',
      'c1',
      '2026-05-01T10:03:00Z',
      'I studied three hours with Anna in the library yesterday.',
    );
    await say('u1', 'c1', '2026-05-01T10:05:00Z', 'Anna thinks the organic chemistry part is the hardest.');
    expect(await summaries(m, 'u1')).toHaveLength(0);
    expect((await m.stats('u1')).summaries).toMatchObject({ pending: 0, written: 0 });

    // A turn two days later is a new session: the first one is queued and summarized.
    const next = await say(
      'u1',
      'c2',
      '2026-05-03T09:00:00Z',
      'I moved to Hamburg last week, near the harbour.',
    );
    const [summary] = await until(
      () => summaries(m, 'u1'),
      (s) => s.length === 1,
      'the first session summary',
    );
    expect(next.stored.some((s) => s.layer === 'symbolic')).toBe(false);
    expect(summary?.content).toMatch(/^Session of 1 May 2026 \(User, Assistant, 6 messages\): User on /);
    expect(summary?.content).toContain('exam next Friday (Friday 8 May 2026)');
    expect(summary?.content).not.toContain('Hamburg');
    expect(summary?.createdAt).toBe('2026-05-01T10:05:00.000Z');
    expect(summary?.metadata).toMatchObject({ kind: 'session-summary', chatId: 'c1', turns: 3 });
    const linked = await Promise.all((summary?.links ?? []).map((id) => m.get('u1', id)));
    expect(linked.length).toBeGreaterThan(3);
    expect(linked.every((l) => l.metadata.chatId === 'c1')).toBe(true);
    expect(summary?.sources.every((s) => s.chatId === 'c1')).toBe(true);
    const stats = (await m.stats('u1')).summaries;
    expect(stats).toMatchObject({ pending: 0, written: 1, lagMs: 0 });
    expect(stats?.lastLagMs).toBe(0);

    // The session still open is summarized once it has been idle for longer than the gap.
    clock.set('2026-05-03T09:20:00Z');
    expect(await m.flushSummaries()).toEqual({ written: 0, pending: 0 });
    await say('u1', 'c2', '2026-05-03T09:25:00Z', 'The flat has a small balcony with tomatoes.');
    clock.set('2026-05-03T11:00:00Z');
    expect(await m.flushSummaries()).toEqual({ written: 1, pending: 0 });

    const recalled = await m.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'What did we talk about in our conversations about my studies?' }],
    });
    const line = recalled.context.split('\n').find((l) => l.startsWith('- [symbolic'));
    expect(line).toContain('Session of 1 May 2026');
    expect(recalled.memories.some((r) => r.memory.id === summary?.id)).toBe(true);

    // Other questions get the turns themselves (layers.sessionSummaries.recallUse 'overview').
    const where = await m.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'Where did I study with Anna?' }],
    });
    expect(where.memories.some((r) => r.memory.layer === 'symbolic')).toBe(false);
    expect(where.context).toContain('library');

    const exported = await readStream(m.export('u1'));
    expect(exported).toContain(summary?.id);
    await m.deleteUser('u1');
    expect(await summaries(m, 'u1')).toHaveLength(0);
    expect((await m.stats('u1')).summaries).toMatchObject({ pending: 0, written: 0 });
  });

  it('a long session is summarized every N turns; a retried turn counts once', async () => {
    const { memory: m, say } = open({ everyTurns: 3 });
    for (let i = 0; i < 3; i++) {
      await say(
        'u1',
        'c1',
        `2026-05-01T10:0${i}:00Z`,
        `Garden note ${i}: the basil and tomatoes need water.`,
      );
    }
    await say('u1', 'c1', '2026-05-01T10:00:00Z', 'Garden note 0: the basil and tomatoes need water.');
    expect((await m.stats('u1')).summaries?.pending).toBe(0);
    await say('u1', 'c1', '2026-05-01T10:04:00Z', 'Garden note 3: the roses bloomed today.');
    const [summary] = await until(
      () => summaries(m, 'u1'),
      (s) => s.length === 1,
      'the summary after three turns',
    );
    expect(summary?.metadata.turns).toBe(3);
    expect(summary?.content).not.toContain('roses');
  });

  it("another user's words never enter a summary, with the same chat ids and instants", async () => {
    const { memory: m, clock, say } = open();
    for (const [userId, pet] of [
      ['alice', 'parrot Kiwi'],
      ['bob', 'iguana Rex'],
    ] as const) {
      await say(userId, 'shared-chat', '2026-05-01T10:00:00Z', `My ${pet} learned a new trick today.`);
      await say(userId, 'shared-chat', '2026-05-01T10:01:00Z', `I bought a bigger cage for my ${pet}.`);
    }
    clock.set('2026-05-01T12:00:00Z');
    expect(await m.flushSummaries()).toEqual({ written: 2, pending: 0 });
    const [alice] = await summaries(m, 'alice');
    const [bob] = await summaries(m, 'bob');
    expect(alice?.content).toContain('Kiwi');
    expect(alice?.content).not.toMatch(/Rex|iguana/);
    expect(bob?.content).toContain('Rex');
    expect(bob?.content).not.toMatch(/Kiwi|parrot/);
    const aliceLinks = await m.list({ userId: 'alice', limit: 200 });
    const aliceIds = new Set(aliceLinks.items.map((x) => x.id));
    expect(alice?.links.every((id) => aliceIds.has(id))).toBe(true);
    const bobRecall = await m.recall({
      userId: 'bob',
      messages: [{ role: 'user', content: 'Tell me about Kiwi' }],
    });
    expect(bobRecall.context).not.toContain('Kiwi');
  });

  it('with sessionSummaries.enabled false nothing is queued or written', async () => {
    const { memory: m, clock, say } = open({ enabled: false });
    await say('u1', 'c1', '2026-05-01T10:00:00Z', 'I am training for the Hamburg marathon in October.');
    await say('u1', 'c1', '2026-05-01T10:01:00Z', 'My coach Maria wants me to run four times a week.');
    clock.set('2026-05-02T10:00:00Z');
    expect(await m.flushSummaries()).toEqual({ written: 0, pending: 0 });
    expect(await summaries(m, 'u1')).toHaveLength(0);
  });
});
