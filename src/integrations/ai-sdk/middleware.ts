/**
 * Strata as an AI SDK (ai@6) language-model middleware: `transformParams` recalls for the
 * prompt and injects the `<memory_context>` block into the system message; `wrapGenerate`
 * and `wrapStream` observe the finished turn (for streams, after the last text delta), with
 * the assistant message before the last user message as bridge context (promptTurn).
 * The user comes from `providerOptions.strata.userId` per call or the middleware's
 * `userId` option. Memory never breaks a generation: failures go to `onError` and the
 * model call proceeds as if Strata were absent.
 */
import type {
  LanguageModelV3CallOptions,
  LanguageModelV3Middleware,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
} from '@ai-sdk/provider';
import type { StrataMemory } from '../../engine/strata-memory.ts';
import type { LayerName, TurnInput } from '../../types.ts';
import { inject } from '../shared/inject.ts';
import { idlessTurn } from '../shared/message-ids.ts';

export interface StrataMiddlewareOptions {
  memory: StrataMemory;
  /** Default user; a call may override it with providerOptions.strata.userId. */
  userId?: string;
  chatId?: string;
  maxTokens?: number;
  layers?: LayerName[];
  /** Store finished turns (default true). */
  observe?: boolean;
  /** Called with failures of recall or observe (memory never breaks a generation); default: ignored. */
  onError?: (error: unknown, phase: 'recall' | 'observe') => void;
}

type RecallMessage = { role: 'user' | 'assistant' | 'system'; content: string };

/** Text of a V3 prompt message: system strings as-is, text parts joined, the rest ignored. */
function promptText(message: LanguageModelV3Prompt[number]): string {
  if (typeof message.content === 'string') return message.content;
  return message.content
    .map((part) => (part.type === 'text' ? part.text : ''))
    .filter(Boolean)
    .join('\n');
}

function forRecall(prompt: LanguageModelV3Prompt): RecallMessage[] {
  return prompt
    .filter((m) => m.role === 'user' || m.role === 'assistant' || m.role === 'system')
    .map((m) => ({ role: m.role as RecallMessage['role'], content: promptText(m) }))
    .filter((m) => m.content.trim() !== '');
}

/** Text parts of an assistant message joined as a reply's deltas are (the reply stored earlier). */
function replyText(message: LanguageModelV3Prompt[number]): string {
  if (typeof message.content === 'string') return message.content;
  return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

/**
 * The turn to store (shared/message-ids.ts idlessTurn): prompt messages carry no ids, so
 * the reply stored now gets the id that the next call's copy of it (in the prompt
 * history) derives. That copy's text parts are joined as the reply's deltas were.
 */
function promptTurn(
  userId: string,
  chatId: string,
  prompt: LanguageModelV3Prompt,
  reply: string,
): TurnInput | undefined {
  const text = (m: LanguageModelV3Prompt[number]) => (m.role === 'assistant' ? replyText(m) : promptText(m));
  return idlessTurn(userId, chatId, prompt, text, reply, { source: 'ai-sdk' });
}

export function strataMiddleware(options: StrataMiddlewareOptions): LanguageModelV3Middleware {
  const report = options.onError ?? (() => undefined);
  const target = (params: LanguageModelV3CallOptions) => {
    const strata = params.providerOptions?.strata as { userId?: unknown; chatId?: unknown } | undefined;
    const userId = typeof strata?.userId === 'string' ? strata.userId : options.userId;
    const chatId = typeof strata?.chatId === 'string' ? strata.chatId : (options.chatId ?? 'ai-sdk');
    return { userId, chatId };
  };
  const observe = async (params: LanguageModelV3CallOptions, reply: string) => {
    const { userId, chatId } = target(params);
    const turn =
      userId && options.observe !== false ? promptTurn(userId, chatId, params.prompt, reply) : undefined;
    if (!turn) return;
    // What transformParams injected for this call: with learning.implicit the reply rates it.
    const recalled = (params.providerOptions?.strata as { recalled?: unknown } | undefined)?.recalled;
    if (Array.isArray(recalled) && recalled.length && recalled.every((id) => typeof id === 'string'))
      turn.recalled = recalled as string[];
    try {
      await options.memory.observeTurn(turn);
    } catch (error) {
      report(error, 'observe');
    }
  };

  return {
    specificationVersion: 'v3',
    async transformParams({ params }) {
      const { userId, chatId } = target(params);
      const messages = forRecall(params.prompt);
      if (!userId || !messages.some((m) => m.role === 'user')) return params;
      try {
        const result = await options.memory.recall({
          userId,
          chatId,
          messages,
          ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
          ...(options.layers ? { layers: options.layers } : {}),
        });
        if (!result.context.trim()) return params;
        // The injected ids ride along in the call's own options (namespaced: providers ignore them).
        const strata = { ...(params.providerOptions?.strata ?? {}), recalled: result.contextIds ?? [] };
        return {
          ...params,
          prompt: inject(params.prompt, result.context) as LanguageModelV3Prompt,
          providerOptions: { ...params.providerOptions, strata },
        };
      } catch (error) {
        report(error, 'recall');
        return params;
      }
    },
    async wrapGenerate({ doGenerate, params }) {
      const result = await doGenerate();
      const text = result.content
        .map((part) => (part.type === 'text' ? part.text : ''))
        .filter(Boolean)
        .join('');
      await observe(params, text);
      return result;
    },
    async wrapStream({ doStream, params }) {
      const { stream, ...rest } = await doStream();
      let text = '';
      const tap = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
        transform(part, controller) {
          if (part.type === 'text-delta') text += part.delta;
          controller.enqueue(part);
        },
        async flush() {
          await observe(params, text);
        },
      });
      return { stream: stream.pipeThrough(tap), ...rest };
    },
  };
}
