/**
 * Open WebUI's thumbs up/down as Strata feedback. The inlet records which memories it put
 * into the block for each reply being generated (user, chat id and metadata.message_id,
 * the id the assistant message then carries); Open WebUI keeps a rating on the message as
 * `annotation: {rating: 1 | -1, reason?, comment?}` and sends it back with the chat's
 * messages on every later outlet call. The outlet maps a rated assistant message to the
 * memories injected for it, weighted by which of them the reply used (engine/implicit-feedback.ts
 * replyRatings): 1 → the used ones useful and the rest not useful, −1 → the used ones not
 * useful; a reply that used none is rated whole (a thumbs down says the reply was bad, not
 * which memory was false, so it never marks a memory wrong). The engine counts
 * one rating per message once, so a rating sent again with each turn changes nothing; a
 * changed rating counts. The record of injections is in process and bounded: a rating of
 * a reply generated before a restart finds no memories and is skipped.
 */
import type { FeedbackRating } from '../../types.ts';
import type { OwuiMessage } from './protocol.ts';

/** Replies remembered with their injected memory ids. */
const INJECTIONS_KEPT = 10_000;

export interface InjectionLog {
  /** Adds memory ids injected into the reply `messageId` (several filters add theirs). */
  record(userId: string, chatId: string, messageId: string, ids: readonly string[]): void;
  lookup(userId: string, chatId: string, messageId: string): string[];
}

export function createInjectionLog(limit = INJECTIONS_KEPT): InjectionLog {
  const entries = new Map<string, string[]>();
  const key = (userId: string, chatId: string, messageId: string) =>
    [userId, chatId, messageId].join('\u0000');
  return {
    record(userId, chatId, messageId, ids) {
      const k = key(userId, chatId, messageId);
      const merged = [...new Set([...(entries.get(k) ?? []), ...ids])];
      entries.delete(k);
      entries.set(k, merged);
      if (entries.size > limit) entries.delete(entries.keys().next().value as string);
    },
    lookup(userId, chatId, messageId) {
      return entries.get(key(userId, chatId, messageId)) ?? [];
    },
  };
}

export interface RatedMessage {
  messageId: string;
  rating: FeedbackRating;
  /** The rated reply's text and the user message it answered ('' when absent). */
  reply: string;
  question: string;
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content
          .map((part) => (typeof part?.text === 'string' ? (part.text as string) : ''))
          .filter(Boolean)
          .join('\n')
      : '';

/** Assistant messages with an id and a thumbs up or down, in chat order, with their text and question. */
export function ratedMessages(messages: readonly OwuiMessage[]): RatedMessage[] {
  const rated: RatedMessage[] = [];
  let question = '';
  for (const message of messages) {
    if (message.role === 'user') question = textOf(message.content);
    if (message.role !== 'assistant' || !message.id) continue;
    const annotation = message.annotation as { rating?: unknown } | null | undefined;
    const value = typeof annotation?.rating === 'number' ? annotation.rating : Number(annotation?.rating);
    if (!Number.isFinite(value) || value === 0) continue;
    rated.push({
      messageId: message.id,
      rating: value > 0 ? 'useful' : 'not_useful',
      reply: textOf(message.content),
      question,
    });
  }
  return rated;
}
