/**
 * Memories in other languages, through the library end to end: a German, a Japanese and a
 * French turn observed among English ones, then recall asked in the same language finds
 * them in the block (the query's language is detected and its words stemmed and segmented
 * like the memory's). Non-English memories say their emotions were not analysed, and recall
 * over them works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { fixedClock } from '../src/util/clock.ts';
import { engineConfig, tempDir } from '../test-support/engine/e2e-engine.ts';

const dir = tempDir('strata-languages-');
let turn = 0;

async function say(memory: StrataMemory, text: string): Promise<void> {
  turn += 1;
  await memory.observeTurn({
    userId: 'alice',
    chatId: 'chat-alice',
    messages: [{ id: `u${turn}`, role: 'user', content: text }],
  });
}

async function block(memory: StrataMemory, question: string): Promise<string> {
  const { context } = await memory.recall({
    userId: 'alice',
    messages: [{ role: 'user', content: question }],
  });
  return context;
}

const TURNS = [
  'I went hiking in the mountains with my brother last weekend.',
  'My favourite band is playing in town next month.',
  'Meine Schwester wohnt seit drei Jahren in Hamburg und arbeitet dort als Ärztin.',
  '私は毎朝、近所の公園で犬の散歩をしています。',
  "J'ai acheté une nouvelle guitare électrique chez un luthier de Lyon.",
  'I have been learning to cook Indian curries on Sundays.',
];

async function seeded(): Promise<StrataMemory> {
  const memory = createMemory(engineConfig('sqlite', dir.path), {
    clock: fixedClock('2026-11-30T10:00:00Z'),
  });
  for (const text of TURNS) await say(memory, text);
  return memory;
}

describe('memories in other languages', () => {
  let memory: StrataMemory;
  beforeAll(async () => {
    memory = await seeded();
  });
  afterAll(async () => {
    await memory.close();
    dir.remove();
  });

  it('stores each memory with its language and marks non-English emotions not analysed', async () => {
    const page = await memory.list({ userId: 'alice', limit: 100 });
    const german = page.items.find((m) => m.content.includes('Hamburg'));
    const english = page.items.find((m) => m.content.includes('hiking'));
    expect(german?.metadata).toMatchObject({ language: 'de', emotion: 'not-analysed' });
    expect(page.items.find((m) => m.content.includes('公園'))?.metadata.language).toBe('ja');
    expect(english?.metadata.language).toBe('en');
    expect(english?.metadata.emotion).toBeUndefined();
  });

  it('recalls the German memory for a German question (stemmed: Schwestern → Schwester)', async () => {
    expect(await block(memory, 'Wo wohnen meine Schwestern?')).toContain('Hamburg');
  });

  it('recalls the Japanese memory for a Japanese question (segmented words)', async () => {
    expect(await block(memory, '犬の散歩はどこでしますか？')).toContain('公園');
  });

  it('recalls the French memory for a French question (guitares → guitare)', async () => {
    expect(await block(memory, 'Où ai-je acheté mes guitares ?')).toContain('luthier');
  });

  it('a feeling question in German does not break on not-analysed memories', async () => {
    const context = await block(memory, 'Wie fühle ich mich wegen meiner Schwester?');
    expect(context).toContain('Hamburg');
  });

  it('keyword search tokenizes the query in its language (German plural meets the singular)', async () => {
    const hits = await memory.search({
      userId: 'alice',
      query: 'Schwestern Ärztinnen',
      k: 5,
      mode: 'keyword',
    });
    expect(hits[0]?.memory.content).toContain('Hamburg');
    const french = await memory.search({
      userId: 'alice',
      query: 'guitares électriques',
      k: 5,
      mode: 'keyword',
    });
    expect(french[0]?.memory.content).toContain('luthier');
  });

  it('a German time expression becomes a temporal event on that day', async () => {
    await say(memory, 'Ich habe nächsten Freitag eine Prüfung in Chemie.');
    const page = await memory.list({ userId: 'alice', limit: 100 });
    const event = page.items.find((m) => m.layer === 'temporal' && m.content.includes('Chemie'));
    expect(event?.metadata).toMatchObject({ kind: 'event', eventDate: '2026-12-11', language: 'de' });
  });
});
