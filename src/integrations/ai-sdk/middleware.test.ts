import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateText, simulateReadableStream, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { engineConfig, tempDir } from '../../../test-support/engine/e2e-engine.ts';
import { createFakeMemory } from '../../../test-support/server/fake-memory.ts';
import { createMemory } from '../../engine/engine.ts';
import { strataMiddleware } from './index.ts';

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};
const finishReason = { unified: 'stop' as const, raw: 'stop' };

function mockModel(reply: string, seen: LanguageModelV3CallOptions[]) {
  return new MockLanguageModelV3({
    doGenerate: async (options) => {
      seen.push(options);
      return { content: [{ type: 'text', text: reply }], finishReason, usage, warnings: [] };
    },
    doStream: async (options) => {
      seen.push(options);
      const words = reply.split(/(?<= )/);
      const chunks: LanguageModelV3StreamPart[] = [
        { type: 'text-start', id: 't' },
        ...words.map((delta) => ({ type: 'text-delta' as const, id: 't', delta })),
        { type: 'text-end', id: 't' },
        { type: 'finish', finishReason, usage },
      ];
      return { stream: simulateReadableStream({ chunks }) };
    },
  });
}

describe('AI SDK middleware with the ai package mock model', () => {
  it('recalls into the system prompt before generate and observes after', async () => {
    const memory = createFakeMemory();
    await memory.add({ userId: 'alice', content: 'Alice prefers window seats on trains' });
    const seen: LanguageModelV3CallOptions[] = [];
    const model = wrapLanguageModel({
      model: mockModel('Booked a window seat.', seen),
      middleware: strataMiddleware({ memory, userId: 'alice' }),
    });
    const result = await generateText({
      model,
      system: 'Be brief.',
      prompt: 'Book me a seat on trains please',
    });
    expect(result.text).toBe('Booked a window seat.');
    const system = seen[0]?.prompt[0];
    expect(system?.role).toBe('system');
    expect(String(system?.content)).toMatch(/^Be brief\.[\s\S]*<memory_context>[\s\S]*window seats/);
    const stored = (await memory.list({ userId: 'alice' })).items.map((m) => m.content);
    expect(stored).toEqual(
      expect.arrayContaining(['Book me a seat on trains please', 'Booked a window seat.']),
    );
  });

  it('observes a stream after its last chunk, per-call user from providerOptions', async () => {
    const memory = createFakeMemory();
    const seen: LanguageModelV3CallOptions[] = [];
    const model = wrapLanguageModel({
      model: mockModel('Hello there Bob!', seen),
      middleware: strataMiddleware({ memory }),
    });
    const result = streamText({
      model,
      prompt: 'Say hello',
      providerOptions: { strata: { userId: 'bob', chatId: 'c9' } },
    });
    expect(await result.text).toBe('Hello there Bob!');
    await result.consumeStream();
    const items = (await memory.list({ userId: 'bob' })).items;
    expect(items.map((m) => m.content)).toEqual(['Say hello', 'Hello there Bob!']);
    expect(items[0]?.sources[0]?.chatId).toBe('c9');
  });

  it('passes what it injected to the stored turn: with learning.implicit the reply rates it', async () => {
    const dir = tempDir();
    const memory = createMemory(
      engineConfig('sqlite', dir.path, { learning: { enabled: true, implicit: true } }),
    );
    try {
      const seats = await memory.add({ userId: 'alice', content: 'Alice prefers window seats on trains' });
      const seen: LanguageModelV3CallOptions[] = [];
      const model = wrapLanguageModel({
        model: mockModel('Booked you a window seat on the 9:00 train.', seen),
        middleware: strataMiddleware({ memory, userId: 'alice' }),
      });
      await generateText({ model, prompt: 'Book me a seat to Porto please' });
      expect(seen[0]?.providerOptions?.strata).toMatchObject({ recalled: [seats.id] });
      expect((await memory.get('alice', seats.id)).metadata.feedback).toMatchObject({ useful: 1 });
    } finally {
      await memory.close();
      dir.remove();
    }
  });

  it('never breaks generation when memory fails, and reports the error', async () => {
    const memory = createFakeMemory();
    memory.failRecall = true;
    memory.failObserve = true;
    const errors: string[] = [];
    const seen: LanguageModelV3CallOptions[] = [];
    const model = wrapLanguageModel({
      model: mockModel('fine', seen),
      middleware: strataMiddleware({ memory, userId: 'alice', onError: (_e, phase) => errors.push(phase) }),
    });
    expect((await generateText({ model, prompt: 'hi there friend' })).text).toBe('fine');
    expect(errors).toEqual(['recall', 'observe']);
    expect(seen[0]?.prompt.some((m) => m.role === 'system')).toBe(false);
  });
});
