/**
 * Turn normalization at the pipeline's edge: validates a TurnInput with TurnSchema and
 * turns it into what layers consume. Documented handling of awkward input:
 * - no user message, or a user message whose text is empty → ValidationError;
 * - content given as parts: read by text/content.ts (text parts joined with newlines,
 *   images as the placeholder "[image]", other part types "[<type>]"); a user message's
 *   media was already turned into text by pipeline/media.ts, whose refs arrive as `media`;
 * - the turn is the LAST user message and the first assistant message after it, so a
 *   front end may send the whole conversation;
 * - a timestamp more than MAX_FUTURE_SKEW_MS in the future → ValidationError (rejected,
 *   not clamped: silently re-dating a memory would corrupt temporal recall);
 * - unknown time zone → ValidationError; missing message ids → stable ids from content;
 * - each message's language: the turn's metadata.language when it names a supported one,
 *   else detected (config language.detect); a message too short to tell takes the language
 *   detected in another message of the turn, else language.default.
 */

import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import type { EngineContext } from '../layers/context.ts';
import type { TurnFacts, TurnMessage } from '../layers/types.ts';
import type { MediaRef } from '../media/types.ts';
import { contentText } from '../text/content.ts';
import { languageOf } from '../text/detect-language.ts';
import { type Language, toLanguage } from '../text/languages.ts';
import { assertTimeZone } from '../text/time-zone.ts';
import { type ChatMessage, type SourceRef, type TurnInput, TurnSchema } from '../types.ts';
import { stableId } from '../util/ids.ts';
import { parseWith } from '../validation.ts';

export const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The id a message sent without one is stored under: user, chat, role, trimmed text and
 * the turn timestamp ('' if none). Integrations whose wire format has no ids use it too
 * (integrations/shared/message-ids.ts), so a reply they send back links to the stored one.
 */
export function derivedMessageId(
  userId: string,
  chatId: string,
  role: ChatMessage['role'],
  text: string,
  turnTimestamp = '',
): string {
  return stableId(userId, chatId, role, text.trim(), turnTimestamp);
}

export interface NormalizedTurn extends TurnFacts {
  metadata: Record<string, unknown>;
}

function toDate(value: string | number | undefined): Date | null {
  if (value === undefined) return null;
  const d = new Date(typeof value === 'number' && value < 1e12 ? value * 1000 : value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function normalizeTurn(ctx: EngineContext, input: TurnInput, media?: MediaRef[]): NormalizedTurn {
  const turn = parseWith(TurnSchema, input, 'turn');
  const timeZone = assertTimeZone(turn.timeZone ?? ctx.config.timeZone);
  const userIndex = turn.messages.findLastIndex((m) => m.role === 'user');
  const userMessage = turn.messages[userIndex];
  if (!userMessage) {
    throw new ValidationError(
      'The turn has no user message: messages must contain one {role: "user", content} (the assistant reply is optional).',
    );
  }
  const assistantMessage = turn.messages.slice(userIndex + 1).find((m) => m.role === 'assistant');
  const now = ctx.clock.now();
  const at = toDate(turn.timestamp) ?? toDate(userMessage.timestamp) ?? now;
  if (at.getTime() > now.getTime() + MAX_FUTURE_SKEW_MS) {
    throw new ValidationError(
      `The turn timestamp ${at.toISOString()} is in the future (now ${now.toISOString()}); send the time the turn happened, in UTC or with an offset.`,
    );
  }
  const userText = contentText(userMessage.content).trim();
  if (!userText)
    throw new ValidationError('The user message is empty: content must contain text (or an image part).');
  const maxBytes = ctx.config.limits.maxContentBytes;
  const check = (text: string, role: string) => {
    if (Buffer.byteLength(text) > maxBytes) {
      throw new PayloadTooLargeError(
        `The ${role} message is ${Buffer.byteLength(text)} bytes; the limit is ${maxBytes} (limits.maxContentBytes).`,
      );
    }
  };
  check(userText, 'user');
  const stamp = turn.timestamp ?? '';
  const idOf = (m: ChatMessage, text: string) =>
    m.id ?? derivedMessageId(turn.userId, turn.chatId, m.role, text, stamp);
  const user: TurnMessage = { id: idOf(userMessage, userText), role: 'user', text: userText };
  if (turn.speakers?.user) user.speaker = turn.speakers.user;
  if (media?.length) user.media = media;
  const sources: SourceRef[] = [
    { chatId: turn.chatId, messageId: user.id, role: 'user', at: at.toISOString() },
  ];
  let assistant: TurnMessage | undefined;
  const assistantText = assistantMessage ? contentText(assistantMessage.content).trim() : '';
  if (assistantMessage && assistantText) {
    check(assistantText, 'assistant');
    assistant = { id: idOf(assistantMessage, assistantText), role: 'assistant', text: assistantText };
    if (turn.speakers?.assistant) assistant.speaker = turn.speakers.assistant;
    sources.push({ chatId: turn.chatId, messageId: assistant.id, role: 'assistant', at: at.toISOString() });
  }
  // The reply the user message answers, when the caller sent the conversation so far.
  const before = turn.messages[userIndex - 1];
  const beforeText = before?.role === 'assistant' ? contentText(before.content).trim() : '';
  let previous: TurnMessage | undefined;
  if (before?.id && beforeText && Buffer.byteLength(beforeText) <= maxBytes) {
    previous = { id: before.id, role: 'assistant', text: beforeText };
    if (turn.speakers?.assistant) previous.speaker = turn.speakers.assistant;
  }
  const turnId = stableId(turn.userId, turn.chatId, user.id, assistant?.id ?? '');
  for (const s of sources) s.turnId = turnId;
  const result: NormalizedTurn = {
    userId: turn.userId,
    chatId: turn.chatId,
    turnId,
    at,
    timeZone,
    user,
    sources,
    metadata: turn.metadata ?? {},
  };
  if (assistant) result.assistant = assistant;
  if (previous) result.previous = previous;
  assignLanguages(ctx, [user, assistant, previous], toLanguage(result.metadata.language));
  return result;
}

/** Sets each message's language (see the module comment). */
function assignLanguages(
  ctx: EngineContext,
  messages: Array<TurnMessage | undefined>,
  given: Language | undefined,
): void {
  const present = messages.filter((m): m is TurnMessage => m !== undefined);
  if (given) {
    for (const m of present) m.language = given;
    return;
  }
  const found = present.map((m) => languageOf(m.text, ctx.config.language));
  const settled = found.find((f) => f.detected)?.language ?? ctx.config.language.default;
  present.forEach((m, i) => {
    m.language = found[i]?.detected ? found[i].language : settled;
  });
}
