/**
 * Inlet and outlet behavior of one Strata filter, free of HTTP. The inlet recalls with
 * the chat's messages and injects the context block into the system message; when an
 * earlier Strata filter already injected a block into this same request (Open WebUI runs
 * every enabled filter's inlet in turn), it adds its lines to that block instead, so the
 * model gets one block with each filter's lines once (shared/memory-block.ts). The outlet
 * stores the last user+assistant pair, keyed by chat id and message ids, with the reply
 * before it as bridge context (outlet-turn.ts). Neither may ever break a chat: the inlet
 * degrades to the unchanged body, the outlet hands failed turns to the durable outbox.
 * Background tasks (metadata.task) pass through untouched. The inlet notes which memories
 * it injected for each reply and the outlet turns a thumbs up/down on that reply into
 * feedback on them (ratings.ts).
 */

import { replyRatings } from '../../engine/implicit-feedback.ts';
import type { StrataMemory } from '../../engine/strata-memory.ts';
import type { TurnOutbox } from '../../server/turn-outbox.ts';
import type { LayerName, Memory } from '../../types.ts';
import type { Logger } from '../../util/logger.ts';
import { inject } from '../shared/inject.ts';
import { isMediaRefusal } from '../shared/media-turn.ts';
import { blockOf, mergeBlocks } from '../shared/memory-block.ts';
import { withTimeout } from '../shared/timeout.ts';
import { outletTurn } from './outlet-turn.ts';
import { InletBodySchema, inletChainKey, OutletBodySchema, recallMessages } from './protocol.ts';
import { type InjectionLog, ratedMessages } from './ratings.ts';
import type { Valves } from './valves.ts';

export interface FilterDeps {
  memory: StrataMemory;
  logger: Logger;
  outbox: TurnOutbox;
  degraded(surface: string, reason: string): void;
  time<T>(operation: string, fn: () => Promise<T>): Promise<T>;
}

export { lastPair, outletTurn } from './outlet-turn.ts';

type Body = Record<string, unknown>;

/**
 * The requests a Strata inlet already injected into (bounded, by inletChainKey): a later
 * filter on the same request merges into that block, any other block is stale and replaced.
 */
export interface InletChain {
  injected(key: string): boolean;
  mark(key: string): void;
}

export async function runInlet(
  deps: FilterDeps,
  options: {
    userId: string;
    valves: Valves;
    layer?: LayerName;
    chain?: InletChain;
    injections?: InjectionLog;
  },
  body: Body,
): Promise<Body> {
  const parsed = InletBodySchema.safeParse(body);
  if (!parsed.success) {
    deps.degraded('open-webui-inlet', 'unrecognized_body');
    return body;
  }
  const { messages, metadata } = parsed.data;
  if (metadata?.task !== undefined && metadata.task !== null) return body;
  if (!options.valves.enabled || !options.valves.inject) return body;
  const forRecall = recallMessages(messages);
  if (!forRecall.some((m) => m.role === 'user')) return body;
  try {
    const layers = options.layer
      ? [options.layer]
      : (options.valves.layers as LayerName[] | null | undefined);
    const recall = deps.time('recall', () =>
      deps.memory.recall({
        userId: options.userId,
        messages: forRecall,
        maxTokens: options.valves.maxTokens,
        ...(metadata?.chat_id ? { chatId: metadata.chat_id } : {}),
        ...(layers && layers.length > 0 ? { layers } : {}),
        ...(options.valves.k ? { k: options.valves.k } : {}),
        ...(options.valves.timeZone ? { timeZone: options.valves.timeZone } : {}),
      }),
    );
    const result = await withTimeout(recall, options.valves.recallTimeoutMs, 'recall');
    if (!result.context.trim()) return body;
    const key = inletChainKey(options.userId, parsed.data);
    const earlier = options.chain?.injected(key) ? blockOf(messages) : '';
    options.chain?.mark(key);
    const messageId = metadata?.message_id;
    if (options.injections && typeof messageId === 'string' && messageId) {
      const ids = result.contextIds ?? result.memories.map((m) => m.memory.id);
      options.injections.record(options.userId, metadata?.chat_id ?? '', messageId, ids);
    }
    const context = earlier ? mergeBlocks(earlier, result.context) : result.context;
    return { ...body, messages: inject(messages, context) };
  } catch (error) {
    deps.logger.warn(
      { err: error, userId: options.userId },
      'open-webui inlet degraded: body returned unchanged',
    );
    deps.degraded('open-webui-inlet', errorCode(error));
    return body;
  }
}

export async function runOutlet(
  deps: FilterDeps,
  options: {
    userId: string;
    valves: Valves;
    seen: (key: string) => boolean;
    injections?: InjectionLog;
  },
  body: Body,
): Promise<Body> {
  if (options.valves.enabled && options.injections) await applyRatings(deps, options, body);
  if (!options.valves.enabled || !options.valves.storeTurns) return body;
  const extracted = outletTurn(options.userId, body);
  if (!extracted) return body;
  // Several Strata filters may be enabled on one model; the same turn is stored once.
  if (options.seen(extracted.key)) return body;
  try {
    // Quotas are checked by the engine's write (the server's gate): a turn that does not fit
    // is refused whole and kept in the dead-letter folder; other failures are retried.
    // The memories injected for this reply travel with it (implicit feedback, if configured).
    const recalled = extracted.replyId
      ? options.injections?.lookup(
          options.userId,
          typeof body.chat_id === 'string' ? body.chat_id : '',
          extracted.replyId,
        )
      : undefined;
    const turn = recalled?.length ? { ...extracted.turn, recalled } : extracted.turn;
    try {
      await deps.time('observe', () => deps.memory.observeTurn(turn));
    } catch (error) {
      if (!extracted.textTurn || !isMediaRefusal(error)) throw error;
      // A broken or refused image must not lose the words around it: the turn is stored with
      // the media as placeholders (the outlet's errors are never shown to the user).
      deps.logger.warn(
        { err: error, userId: options.userId },
        'open-webui outlet: media refused; turn stored without it',
      );
      deps.degraded('open-webui-outlet', errorCode(error));
      const textTurn = recalled?.length ? { ...extracted.textTurn, recalled } : extracted.textTurn;
      extracted.turn = extracted.textTurn;
      await deps.time('observe', () => deps.memory.observeTurn(textTurn));
    }
  } catch (error) {
    const kept = deps.outbox.keep(extracted.key, extracted.turn, error);
    deps.logger.warn(
      { err: error, userId: options.userId },
      kept === 'queued'
        ? 'open-webui outlet: storing failed; queued for retry'
        : 'open-webui outlet: turn refused; kept in outbox/dead',
    );
    deps.degraded('open-webui-outlet', errorCode(error));
  }
  return body;
}

/** Thumbs up/down on replies Strata injected memories into become feedback on those memories. */
async function applyRatings(
  deps: FilterDeps,
  options: { userId: string; seen: (key: string) => boolean; injections?: InjectionLog },
  body: Body,
): Promise<void> {
  const parsed = OutletBodySchema.safeParse(body);
  if (!parsed.success || !options.injections) return;
  const chatId = parsed.data.chat_id ?? '';
  for (const { messageId, rating, reply, question } of ratedMessages(parsed.data.messages)) {
    const memoryIds = options.injections.lookup(options.userId, chatId, messageId);
    // Several Strata filters see the same outlet; a rating is sent to the engine once each.
    if (
      memoryIds.length === 0 ||
      options.seen(['rating', options.userId, chatId, messageId, rating].join('\u0000'))
    )
      continue;
    try {
      // The reply's rating, per memory by what the reply used (a memory deleted since: skipped).
      const memories = (
        await Promise.all(memoryIds.map((id) => deps.memory.get(options.userId, id).catch(() => null)))
      ).filter((m): m is Memory => m !== null);
      for (const call of replyRatings(memories, reply, question, rating === 'useful')) {
        await deps.time('feedback', () =>
          deps.memory.feedback({
            userId: options.userId,
            memoryIds: call.memoryIds,
            rating: call.rating,
            messageId,
            recalled: memoryIds,
            ...(question.trim() ? { query: question.slice(0, 32_768) } : {}),
            ...(chatId ? { chatId } : {}),
          }),
        );
      }
    } catch (error) {
      deps.logger.warn({ err: error, userId: options.userId }, 'open-webui outlet: rating not applied');
      deps.degraded('open-webui-outlet', errorCode(error));
    }
  }
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal_error';
}
