/**
 * What the model receives, on a small store as a new user meets it: a few turns observed
 * through the library on a real SQLite file, then the default-budget block recall gives
 * for everyday questions. Each test asserts the block's lines, not a ranking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { fixedClock } from '../src/util/clock.ts';
import { engineConfig, tempDir } from '../test-support/engine/e2e-engine.ts';

const HOUR = 3_600_000;
const dir = tempDir('strata-scenarios-');
const clock = fixedClock('2026-11-30T10:00:00Z'); // a Monday
let memory: StrataMemory;
let turn = 0;

async function say(userId: string, text: string, reply = 'I see.'): Promise<void> {
  turn += 1;
  await memory.observeTurn({
    userId,
    chatId: `chat-${userId}`,
    messages: [
      { id: `u${turn}`, role: 'user', content: text },
      { id: `a${turn}`, role: 'assistant', content: reply },
    ],
  });
  clock.advance(HOUR);
}

/** The block's memory lines (frame and instruction left out). */
async function block(userId: string, question: string): Promise<string[]> {
  const { context } = await memory.recall({ userId, messages: [{ role: 'user', content: question }] });
  return context.split('\n').filter((line) => line.startsWith('- ['));
}

beforeAll(async () => {
  memory = createMemory(engineConfig('sqlite', dir.path), { clock });
  await say('alice', "I'm so nervous about my exam next Friday", 'You will do great.');
  await say('alice', 'I live in Munich with my cat.');
  await say('alice', "I'm vegetarian and I love spicy Thai food. I hate mushrooms.");
  await say('alice', 'Work has been really stressful lately, my boss keeps adding deadlines.');
  clock.advance(2 * 24 * HOUR);
  await say('alice', 'I moved to Berlin last week, the new flat is great.');
  await say('alice', 'I felt proud at work today when my project shipped.');
  await say('bob', 'I live in Paris and my exam is next Monday. I love cooking pasta with mushrooms.');
});

afterAll(async () => {
  await memory.close();
  dir.remove();
});

describe('the block a chat gets on a small store', () => {
  it('"when is my exam?" brings the exam with its date resolved', async () => {
    const lines = await block('alice', 'when is my exam?');
    expect(lines[0]).toMatch(/exam next Friday \(Friday 11 December 2026\)/);
  });

  it('"what is coming up?" lists the upcoming exam first, with its date', async () => {
    const lines = await block('alice', 'what is coming up?');
    expect(lines[0]).toMatch(/exam/);
    expect(lines[0]).toMatch(/Friday 11 December 2026/);
  });

  it('"Where do I live now?" after a move: Berlin first, Munich only marked outdated', async () => {
    const lines = await block('alice', 'Where do I live now?');
    expect(lines[0]).toMatch(/User lives in Berlin/);
    for (const line of lines.filter((l) => l.includes('Munich'))) expect(line).toMatch(/outdated/);
  });

  it('"what should I cook for me?" brings the food preferences though it names none', async () => {
    const text = (await block('alice', 'what should I cook for me?')).join('\n');
    expect(text).toMatch(/User is vegetarian/);
    expect(text).toMatch(/User likes spicy Thai food/);
    expect(text).toMatch(/User dislikes mushrooms/);
  });

  it('"how have I been feeling about work?" brings the stress and the pride', async () => {
    const lines = await block('alice', 'how have I been feeling about work?');
    expect(lines.slice(0, 4).join('\n')).toMatch(/stressful/);
    expect(lines.slice(0, 4).join('\n')).toMatch(/proud at work/);
  });

  it('no bookkeeping lines and no bare acknowledgements in content answers', async () => {
    for (const q of ['when is my exam?', 'Where do I live now?', 'what should I cook for me?']) {
      const text = (await block('alice', q)).join('\n');
      expect(text).not.toMatch(/First conversation|New session on/);
      expect(text).not.toMatch(/Assistant: I see\./);
    }
  });

  it("another user's memories are never in the block, whichever way asked", async () => {
    for (const q of [
      'when is my exam?',
      'Where do I live now?',
      'what should I cook for me?',
      'Paris pasta Monday',
    ]) {
      const text = (await block('alice', q)).join('\n');
      expect(text).not.toMatch(/Paris|pasta|Monday/);
    }
    const bob = (await block('bob', 'Where do I live? What do I eat? Am I nervous?')).join('\n');
    expect(bob).toMatch(/Paris/);
    expect(bob).not.toMatch(/Munich|Berlin|Thai|vegetarian|stressful/);
  });
});
