/**
 * Cross-language recall through the dense path, on the ONNX embedder (real transformers.js
 * and onnxruntime-node) with a toy multilingual model written at test time: a tiny
 * BERT-shaped model in a folder named like multilingual-e5-small (so the e5 recipe, "query: "
 * on both sides, applies) whose word table puts one concept's words in ten languages on one
 * axis. English memories in SQLite on a real file; questions in German, French, Spanish,
 * Italian, Portuguese, Dutch, Russian, Chinese and Japanese share no word with them, so only
 * the vectors can find them. The toy's vocabulary is chosen here, so this shows the path
 * works (tokenizer normalization of accents, Cyrillic and Han included), not a model's
 * quality: a real multilingual model goes in the same folder layout (docs/languages.md).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StrataConfigInput } from '../src/config/schema.ts';
import { createMemory } from '../src/engine/engine.ts';
import { fixedClock } from '../src/util/clock.ts';
import { engineConfig, tempDir } from '../test-support/engine/e2e-engine.ts';
import { writeTinyBert } from '../test-support/fixtures/tiny-bert.ts';

const dir = tempDir('strata-cross-language-');
afterAll(() => dir.remove());

/** One concept per group, in the ten languages (lower-case, accents stripped, Han one by one). */
const CONCEPTS = [
  ['dog', 'hund', 'chien', 'perro', 'cane', 'cachorro', 'hond', 'собака', 'собаку', '狗', '犬'],
  ['coffee', 'kaffee', 'cafe', 'caffe', 'koffie', 'кофе', '咖', '啡', '珈', '琲'],
  ['mountains', 'berge', 'bergen', 'montagnes', 'montanas', 'montagne', 'montanhas', 'горы', '山'],
  ['tax', 'steuern', 'impots', 'impuestos', 'tasse', 'impostos', 'belasting', 'налоги', '税'],
];

const MEMORIES = [
  'My dog sleeps on the sofa.',
  'I drink coffee every morning.',
  'We went hiking in the mountains.',
  'I still have to pay my tax.',
];

/** A question and the index of the memory it asks about. */
const QUESTIONS: Array<[string, number]> = [
  ['Wo schläft mein Hund?', 0],
  ['Est-ce que je bois du café ?', 1],
  ['¿Fuimos a las montañas?', 2],
  ['Devo ancora pagare le tasse?', 3],
  ['Onde dorme o meu cachorro?', 0],
  ['Heb ik mijn belasting betaald?', 3],
  ['Пью ли я кофе?', 1],
  ['我们去过山里吗？', 2],
  ['犬はどこで寝ていますか？', 0],
];

type EmbedderInput = NonNullable<StrataConfigInput['embedder']>;

async function topHits(name: string, embedder: EmbedderInput): Promise<number> {
  const home = join(dir.path, name);
  mkdirSync(home, { recursive: true });
  const memory = createMemory(engineConfig('sqlite', home, { embedder }), {
    clock: fixedClock('2026-11-30T10:00:00Z'),
  });
  try {
    for (const [i, text] of MEMORIES.entries()) {
      await memory.observeTurn({
        userId: 'u',
        chatId: 'c',
        messages: [{ id: `m${i}`, role: 'user', content: text }],
      });
    }
    let hits = 0;
    for (const [question, answer] of QUESTIONS) {
      const { memories } = await memory.recall({
        userId: 'u',
        messages: [{ role: 'user', content: question }],
      });
      const top = memories.find((m) => m.memory.layer === 'episodic');
      if (top?.memory.content.includes(MEMORIES[answer] ?? '\0')) hits += 1;
    }
    return hits;
  } finally {
    await memory.close();
  }
}

describe('cross-language recall on the ONNX path (toy multilingual model)', () => {
  it('finds the English memory for a question in each other language; the hash embedder cannot', async () => {
    const modelPath = join(dir.path, 'models', 'multilingual-e5-small');
    writeTinyBert(modelPath, { hidden: 16, topics: CONCEPTS });
    const onnx = await topHits('onnx', { kind: 'onnx', modelPath, quantization: 'q8' });
    const hash = await topHits('hash', { kind: 'hash' });
    expect(onnx).toBe(QUESTIONS.length);
    expect(hash).toBeLessThan(QUESTIONS.length / 2);
  }, 60_000);
});
