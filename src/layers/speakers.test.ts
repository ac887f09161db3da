/**
 * Two-person conversations through observeTurn: the episodic bridge (the reply before a user
 * message paired with it) and semantic facts of a named second speaker, filed under their
 * own name.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, testEngine } from '../../test-support/engine/pipeline-engine.ts';

let engine: TestEngine | undefined;
afterEach(async () => {
  await engine?.memory.close();
  engine = undefined;
});

describe('episodic layer', () => {
  it('pairs the reply before the user message with it (bridge) when the caller sends it with an id', async () => {
    engine = await testEngine('2026-11-01T10:00:00Z');
    const result = await engine.memory.observeTurn({
      userId: 'u1',
      chatId: 'c1',
      speakers: { user: 'Caroline', assistant: 'Melanie' },
      messages: [
        { id: 'd1', role: 'assistant', content: 'What did you take away from the book?' },
        { id: 'd2', role: 'user', content: 'It taught me self-acceptance.' },
        { id: 'd3', role: 'assistant', content: 'That is lovely.' },
      ],
    });
    const episodic = result.stored.filter((m) => m.layer === 'episodic');
    expect(episodic.map((m) => m.metadata.kind).sort()).toEqual([
      'exchange',
      'exchange',
      'message',
      'message',
    ]);
    const bridge = episodic.find((m) => m.metadata.bridge === true);
    expect(bridge?.content).toBe(
      'Melanie: What did you take away from the book?\nCaroline: It taught me self-acceptance.',
    );
    expect(bridge?.metadata.messageIds).toEqual(['d1', 'd2']);
    expect(bridge?.sources.map((s) => s.messageId)).toEqual(['d1', 'd2']);
    // The earlier message is context, not part of this turn: no message memory of its own.
    expect(episodic.filter((m) => m.metadata.kind === 'message').map((m) => m.metadata.messageIds)).toEqual([
      ['d2'],
      ['d3'],
    ]);
  });

  it('writes no bridge without a previous assistant message id', async () => {
    engine = await testEngine('2026-11-01T10:00:00Z');
    const result = await engine.memory.observeTurn({
      userId: 'u1',
      chatId: 'c1',
      messages: [
        { role: 'assistant', content: 'How was the trip?' },
        { role: 'user', content: 'Great, we hiked a lot.' },
      ],
    });
    expect(result.stored.some((m) => m.metadata.bridge)).toBe(false);
    expect(result.stored.filter((m) => m.layer === 'episodic')).toHaveLength(1);
  });
});

describe('semantic layer with a named second speaker', () => {
  it("files the reply's facts under its speaker, never superseding the other person's", async () => {
    engine = await testEngine('2026-11-01T10:00:00Z');
    const turn = (user: string, assistant: string, text: string, reply: string, id: string) => ({
      userId: 'u1',
      chatId: 'c1',
      speakers: { user, assistant },
      messages: [
        { id: `${id}a`, role: 'user' as const, content: text },
        { id: `${id}b`, role: 'assistant' as const, content: reply },
      ],
    });
    const first = await engine.memory.observeTurn(
      turn('Caroline', 'Melanie', 'I live in Boston.', 'Nice! I live in Denver.', 't1'),
    );
    const facts = first.stored.filter((m) => m.layer === 'semantic');
    expect(facts.map((m) => [m.content, m.metadata.subject, m.sources[0]?.messageId])).toEqual([
      ['Caroline lives in Boston', 'Caroline', 't1a'],
      ['Melanie lives in Denver', 'Melanie', 't1b'],
    ]);
    // Roles swap in the next turn; Melanie moving does not touch Caroline's fact.
    const second = await engine.memory.observeTurn(
      turn('Melanie', 'Caroline', 'I moved to Austin.', 'Wow, big change!', 't2'),
    );
    const austin = second.stored.find((m) => m.layer === 'semantic');
    const denver = facts[1];
    expect(austin?.metadata.supersedes).toEqual([denver?.id]);
    const superseded = second.updated.filter((m) => m.supersededBy).map((m) => m.id);
    expect(superseded).toEqual([denver?.id]);
    expect((await engine.memory.get('u1', facts[0]?.id ?? ''))?.supersededBy).toBeNull();
  });
});
