/**
 * The turn an Open WebUI outlet call stores: the last user message and the assistant reply
 * after it, keyed by chat id and message ids, plus the reply before that user message (the
 * one the user is answering) sent along as context so the episodic layer writes a bridge.
 * That earlier reply was stored by the previous turn's outlet; it is referenced by the id
 * it was stored under (Open WebUI's message id, or for a message without one the id that
 * outlet derived), never stored again. Stored text never holds a `<memory_context>` block
 * (a model echoing its system prompt): it is stripped first, the same way for every message.
 */

import { contentText } from '../../text/content.ts';
import type { ChatMessage, TurnInput } from '../../types.ts';
import { stripMemoryText } from '../shared/memory-block.ts';
import { derivedMessageId, previousReply } from '../shared/message-ids.ts';
import { OutletBodySchema, type OwuiMessage, toIsoTimestamp } from './protocol.ts';

/** A message's text as stored: its text content without any memory block. */
const storedText = (content: unknown): string => stripMemoryText(contentText(content));

interface Pair {
  user: OwuiMessage;
  assistant: OwuiMessage;
  userIndex: number;
}

/** The last assistant message and the user message before it (with that message's index). */
export function lastPair(messages: OwuiMessage[]): Pair | undefined {
  for (let i = messages.length - 1; i > 0; i--) {
    if (messages[i]?.role !== 'assistant') continue;
    for (let j = i - 1; j >= 0; j--) {
      if (messages[j]?.role === 'user') return { user: messages[j]!, assistant: messages[i]!, userIndex: j };
      if (messages[j]?.role === 'assistant') break;
    }
    return undefined;
  }
  return undefined;
}

/** A pair as stored: text content, ISO timestamps, and every message with its id. */
function pairTurn(userId: string, chatId: string, pair: Pair) {
  const timestamp = toIsoTimestamp(pair.assistant.timestamp) ?? toIsoTimestamp(pair.user.timestamp);
  const message = (m: OwuiMessage, role: 'user' | 'assistant'): ChatMessage => {
    const content = storedText(m.content);
    const at = toIsoTimestamp(m.timestamp);
    // Without an Open WebUI id, the id observeTurn would derive (see shared/message-ids.ts).
    const id = m.id ?? derivedMessageId(userId, chatId, role, content, timestamp ?? '');
    return { id, role, content, ...(at ? { timestamp: at } : {}) };
  };
  return {
    user: message(pair.user, 'user'),
    assistant: message(pair.assistant, 'assistant'),
    ...(timestamp ? { timestamp } : {}),
  };
}

/** The reply right before the pair's user message, under the id its own outlet stored it with. */
function previousOf(userId: string, chatId: string, messages: OwuiMessage[], pair: Pair) {
  const before = messages[pair.userIndex - 1];
  if (before?.role !== 'assistant') return undefined;
  let id = before.id;
  if (!id) {
    const earlier = lastPair(messages.slice(0, pair.userIndex));
    if (earlier?.assistant !== before) return undefined;
    id = pairTurn(userId, chatId, earlier).assistant.id;
  }
  const reply = id ? previousReply(id, storedText(before.content)) : undefined;
  const at = toIsoTimestamp(before.timestamp);
  return reply && at ? { ...reply, timestamp: at } : reply;
}

export function outletTurn(
  userId: string,
  body: Record<string, unknown>,
): { key: string; turn: TurnInput; replyId?: string } | undefined {
  const parsed = OutletBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const pair = lastPair(parsed.data.messages);
  if (!pair) return undefined;
  const userText = storedText(pair.user.content);
  const assistantText = storedText(pair.assistant.content);
  if (!userText.trim() && !assistantText.trim()) return undefined;
  const chatId = parsed.data.chat_id || 'default';
  const { user, assistant, timestamp } = pairTurn(userId, chatId, pair);
  const previous = previousOf(userId, chatId, parsed.data.messages, pair);
  const turn: TurnInput = {
    userId,
    chatId,
    messages: previous ? [previous, user, assistant] : [user, assistant],
    ...(timestamp ? { timestamp } : {}),
    metadata: {
      source: 'open-webui',
      ...(parsed.data.session_id ? { sessionId: parsed.data.session_id } : {}),
      ...(parsed.data.model ? { model: parsed.data.model } : {}),
    },
  };
  const key = [userId, chatId, pair.user.id ?? userText, pair.assistant.id ?? assistantText].join('\u0000');
  return { key, turn, ...(pair.assistant.id ? { replyId: pair.assistant.id } : {}) };
}
