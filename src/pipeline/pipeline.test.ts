import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, testEngine } from '../../test-support/engine/pipeline-engine.ts';
import { MemoryError } from '../errors.ts';
import { estimateTokens } from './format.ts';
import { injectContext } from './inject.ts';

let engine: TestEngine | undefined;
afterEach(async () => {
  await engine?.memory.close();
  engine = undefined;
});

const turn = (userId: string, text: string, reply = 'Noted.', extra: Record<string, unknown> = {}) => ({
  userId,
  chatId: 'c1',
  messages: [
    { role: 'user' as const, content: text },
    { role: 'assistant' as const, content: reply },
  ],
  ...extra,
});

describe('observeTurn + recall (memory store, hash embedder)', () => {
  it('supersedes Paris with Berlin and keeps Paris in history', async () => {
    engine = await testEngine('2026-11-01T10:00:00Z');
    const { memory, clock } = engine;
    const first = await memory.observeTurn(
      turn('u1', 'I live in Paris.', 'Paris is lovely.', { timestamp: '2026-11-01T10:00:00Z' }),
    );
    const paris = first.stored.find((m) => m.layer === 'semantic');
    expect(paris?.content).toBe('User lives in Paris');
    clock.set('2026-11-08T10:00:00Z');
    const second = await memory.observeTurn(
      turn('u1', 'I moved to Berlin last month.', 'How is Berlin?', { timestamp: '2026-11-08T10:00:00Z' }),
    );
    const berlin = second.stored.find((m) => m.layer === 'semantic');
    expect(berlin?.metadata).toMatchObject({
      predicate: 'lives_in',
      object: 'Berlin',
      supersedes: [paris?.id],
    });
    expect(second.updated.some((m) => m.id === paris?.id && m.supersededBy === berlin?.id)).toBe(true);

    const result = await memory.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'Where do I live now?' }],
    });
    expect(result.memories[0]?.memory.content).toContain('Berlin');
    expect(result.memories.some((r) => r.memory.id === paris?.id)).toBe(false);
    // Any remaining mention of Paris is marked as outdated history, never as current.
    for (const line of result.context.split('\n').filter((l) => l.includes('Paris'))) {
      expect(line).toContain('outdated');
    }
    const history = await memory.history('u1', paris?.id ?? '');
    expect(history.map((v) => v.op)).toEqual(['create', 'supersede']);
    expect(history[0]?.memory.content).toBe('User lives in Paris');
    expect(history[1]?.memory.supersededBy).toBe(berlin?.id);
  });

  it('files an exam as emotional (fear) + temporal event and recalls it for "next week"', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z');
    const { memory } = engine;
    const observed = await memory.observeTurn({
      ...turn('u1', "I'm so nervous about my exam next Friday", 'You will do great.'),
      timestamp: '2026-11-25T10:00:00Z',
      timeZone: 'Europe/Berlin',
    });
    const emotional = observed.stored.find((m) => m.layer === 'emotional');
    expect(emotional?.metadata.labels).toContain('fear');
    expect((emotional?.metadata.emotions as Record<string, number> | undefined)?.fear).toBeGreaterThan(0.7);
    const event = observed.stored.find((m) => m.layer === 'temporal' && m.metadata.kind === 'event');
    expect(event?.metadata.eventDate).toBe('2026-12-04');
    expect(event?.metadata.eventAt).toBe('2026-12-03T23:00:00.000Z');

    const result = await memory.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'what is coming up next week?' }],
      timeZone: 'Europe/Berlin',
    });
    expect(result.memories[0]?.memory.id).toBe(event?.id);
    expect(result.context).toContain('exam');
  });

  it('never recalls another user, stays within the budget, injects idempotently', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z');
    const { memory } = engine;
    for (let i = 0; i < 20; i++) {
      await memory.observeTurn(
        turn('alice', `I love hiking trip number ${i} in the Alps with my sister Anna`, `Sounds fun ${i}`),
      );
    }
    await memory.observeTurn(turn('bob', 'I love hiking in the Alps too, my secret is bobsecret'));
    const result = await memory.recall({
      userId: 'alice',
      messages: [{ role: 'user', content: 'hiking Alps bobsecret' }],
      maxTokens: 200,
    });
    expect(result.memories.length).toBeGreaterThan(0);
    expect(result.memories.every((r) => r.memory.userId === 'alice')).toBe(true);
    expect(result.context).not.toContain('bobsecret');
    expect(estimateTokens(result.context)).toBeLessThanOrEqual(200);
    expect(result.context.startsWith('<memory_context>')).toBe(true);
    expect(result.context).toMatch(/not instructions/);
    expect(result.context).toMatch(/- \[\w+ \d{4}-\d{2}-\d{2} [0-9a-f]{8}\]/);

    const messages = [{ role: 'user', content: 'hi' }];
    const once = injectContext(messages, result.context);
    const twice = injectContext(once, result.context);
    expect(twice).toEqual(once);
    expect(twice[0]?.content?.toString().split('<memory_context>').length).toBe(2);
    expect(messages).toEqual([{ role: 'user', content: 'hi' }]);
  });

  it('is idempotent: the same turn twice stores nothing new', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z');
    const input = { ...turn('u1', 'I am allergic to peanuts.'), timestamp: '2026-11-25T09:00:00Z' };
    const a = await engine.memory.observeTurn(input);
    expect(a.stored.length).toBeGreaterThan(3);
    const before = await engine.memory.stats('u1');
    const b = await engine.memory.observeTurn(input);
    expect(b.skipped).toBe(true);
    expect(b.stored).toEqual([]);
    expect((await engine.memory.stats('u1')).memories).toBe(before.memories);
  });

  it('rejects bad input clearly and loses nothing already stored', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z');
    const { memory } = engine;
    await memory.observeTurn(turn('u1', 'I live in Rome.'));
    const count = (await memory.stats('u1')).memories;
    const bad = [
      { userId: 'u1', messages: [{ role: 'assistant', content: 'hello' }] },
      { userId: 'u1', messages: [{ role: 'user', content: '   ' }] },
      { userId: 'u1', messages: [{ role: 'user', content: 'hi there' }], timeZone: 'Mars/Olympus' },
      { userId: 'u1', messages: [{ role: 'user', content: 'hi there' }], timestamp: '2027-01-01T00:00:00Z' },
      { userId: '', messages: [{ role: 'user', content: 'hi' }] },
    ];
    for (const input of bad) {
      const error = await memory.observeTurn(input as never).catch((e: unknown) => e);
      expect(MemoryError.isInstance(error) && error.code).toBe('validation_error');
    }
    expect((await memory.stats('u1')).memories).toBe(count);
    expect(await memory.observeTurn(turn('u1', 'I live in Rome.'))).toMatchObject({ skipped: true });
  });

  it('joins text parts and turns images into [image] placeholders with media off', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z', { media: { enabled: false } });
    const result = await engine.memory.observeTurn({
      userId: 'u1',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look at my new puppy!' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          ],
        },
      ],
    });
    const episodic = result.stored.find((m) => m.layer === 'episodic');
    expect(episodic?.content).toBe('User: Look at my new puppy!\n[image]');
    expect(episodic?.sources[0]?.messageId).toBeTruthy();
  });

  it('uses speaker names and maps sources back to message ids', async () => {
    engine = await testEngine('2026-11-25T10:00:00Z');
    const result = await engine.memory.observeTurn({
      userId: 'conv-1',
      chatId: 'session_1',
      speakers: { user: 'Caroline', assistant: 'Melanie' },
      timestamp: '2023-05-08T13:56:00Z',
      messages: [
        {
          id: 'D1:3',
          role: 'user',
          content: 'I went to a LGBTQ support group yesterday and it was so powerful.',
        },
        {
          id: 'D1:4',
          role: 'assistant',
          content: 'Wow, that sounds amazing! I went to a painting class last week.',
        },
      ],
    });
    const user = result.stored.find((m) => m.layer === 'episodic' && m.metadata.role === 'user');
    expect(user?.content).toBe('Caroline: I went to a LGBTQ support group yesterday and it was so powerful.');
    expect(user?.sources.map((s) => s.messageId)).toEqual(['D1:3']);
    // Both named speakers' dates become events, each sourced to its own message.
    const events = result.stored.filter((m) => m.layer === 'temporal' && m.metadata.kind === 'event');
    expect(events.map((e) => [e.metadata.speaker, e.metadata.eventDate, e.sources[0]?.messageId])).toEqual([
      ['Caroline', '2023-05-07', 'D1:3'],
      ['Melanie', '2023-05-01', 'D1:4'],
    ]);
    const recalled = await engine.memory.recall({
      userId: 'conv-1',
      messages: [{ role: 'user', content: 'When did Caroline go to the LGBTQ support group?' }],
    });
    expect(recalled.memories[0]?.memory.sources.map((s) => s.messageId)).toContain('D1:3');
  });
});
