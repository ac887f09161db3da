import type { LanguageModelV3Prompt, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { generateText, type ModelMessage, simulateReadableStream, streamText, wrapLanguageModel } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  episodic,
  expectBridgedReply,
  expectBridgesPerUser,
  type RealEngine,
  realEngine,
} from '../../../test-support/server/bridges.ts';
import { strataMiddleware } from './index.ts';

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 5, reasoning: undefined },
};
const finishReason = { unified: 'stop' as const, raw: 'stop' };

/** The reply quotes the last user message, streamed as two text blocks (two parts in history). */
function replyTo(prompt: LanguageModelV3Prompt): [string, string] {
  const last = prompt.filter((m) => m.role === 'user').at(-1);
  const text = last?.content.map((p) => (p.type === 'text' ? p.text : '')).join('') ?? '';
  return ['Noted. ', `You said: ${text}`];
}

function echoModel() {
  return new MockLanguageModelV3({
    doGenerate: async (options) => ({
      content: replyTo(options.prompt).map((text) => ({ type: 'text' as const, text })),
      finishReason,
      usage,
      warnings: [],
    }),
    doStream: async (options) => {
      const chunks: LanguageModelV3StreamPart[] = replyTo(options.prompt).flatMap((text, i) => [
        { type: 'text-start' as const, id: `t${i}` },
        ...text.split(/(?<= )/).map((delta) => ({ type: 'text-delta' as const, id: `t${i}`, delta })),
        { type: 'text-end' as const, id: `t${i}` },
      ]);
      chunks.push({ type: 'finish', finishReason, usage });
      return { stream: simulateReadableStream({ chunks }) };
    },
  });
}

describe('AI SDK middleware bridges (real engine, ai package calls)', () => {
  let engine: RealEngine;
  beforeEach(() => {
    engine = realEngine();
  });
  afterEach(() => engine.close());

  /** Two calls of one chat, the second with the first call's response messages as history. */
  const chat = async (userId: string) => {
    const model = wrapLanguageModel({
      model: echoModel(),
      middleware: strataMiddleware({ memory: engine.memory }),
    });
    const providerOptions = { strata: { userId, chatId: 'garden' } };
    const first: ModelMessage[] = [{ role: 'user', content: 'My tomatoes finally turned red.' }];
    const streamed = streamText({ model, messages: first, providerOptions });
    const reply = await streamed.text;
    await streamed.consumeStream();
    const before = await episodic(engine.memory, userId);
    const history: ModelMessage[] = [
      ...first,
      ...(await streamed.response).messages,
      { role: 'user', content: 'I will make sauce with them.' },
    ];
    await generateText({ model, messages: history, providerOptions });
    return { reply, before, after: await episodic(engine.memory, userId) };
  };

  it('first call stores as before; the next call bridges the reply from its history', async () => {
    const { reply, before, after } = await chat('alice');
    expect(reply).toBe('Noted. You said: My tomatoes finally turned red.');
    expect(before.bridges).toEqual([]);
    expect(before.messages).toHaveLength(2);
    expectBridgedReply(before, after, reply, 'I will make sauce with them.');
  });

  it('keeps bridges per user', async () => {
    const { after: alice } = await chat('alice');
    const { after: bob } = await chat('bob');
    await expectBridgesPerUser(engine.memory, alice, bob);
  });
});
