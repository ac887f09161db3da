/**
 * The turn an Open WebUI outlet call stores: the last user message and the assistant reply
 * after it, keyed by chat id and message ids, plus the reply before that user message (the
 * one the user is answering) sent along as context so the episodic layer writes a bridge.
 * That earlier reply was stored by the previous turn's outlet; it is referenced by the id
 * it was stored under (Open WebUI's message id, or for a message without one the id that
 * outlet derived), never stored again. Stored text never holds a `<memory_context>` block
 * (a model echoing its system prompt): it is stripped first, the same way for every message.
 * The user message's images and recordings (content parts, `files`) go along for the engine
 * to read (docs/multimodal.md).
 */

import { contentText } from '../../text/content.ts';
import type { ChatMessage, TurnInput } from '../../types.ts';
import { stripMemoryText } from '../shared/memory-block.ts';
import { derivedMessageId, previousReply } from '../shared/message-ids.ts';
import { OutletBodySchema, type OwuiMessage, toIsoTimestamp } from './protocol.ts';

/** A message's text as stored: its text content without any memory block. */
const storedText = (content: unknown): string => stripMemoryText(contentText(content));

/**
 * A user message's images and recordings as the engine reads them (parts and attachments,
 * docs/multimodal.md): its content parts with memory blocks stripped from the text parts,
 * and its `files`; undefined when it carries none.
 */
function mediaOf(m: OwuiMessage): Pick<ChatMessage, 'content' | 'files'> | undefined {
  const parts = Array.isArray(m.content) ? (m.content as Array<Record<string, unknown>>) : undefined;
  const hasParts = parts?.some((p) => typeof p === 'object' && p !== null && p.type !== 'text') ?? false;
  const files =
    Array.isArray(m.files) && m.files.length > 0 ? (m.files as Array<Record<string, unknown>>) : undefined;
  if (!hasParts && !files) return undefined;
  const content = parts
    ? parts.map((p) =>
        p?.type === 'text' && typeof p.text === 'string' ? { ...p, text: stripMemoryText(p.text) } : p,
      )
    : storedText(m.content);
  return { content: content as ChatMessage['content'], ...(files ? { files } : {}) };
}

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

/** A pair as stored: text content (the user's media kept unless `textOnly`), ISO timestamps, and every message with its id. */
function pairTurn(userId: string, chatId: string, pair: Pair, textOnly = true) {
  const timestamp = toIsoTimestamp(pair.assistant.timestamp) ?? toIsoTimestamp(pair.user.timestamp);
  const message = (m: OwuiMessage, role: 'user' | 'assistant'): ChatMessage => {
    const content = storedText(m.content);
    const at = toIsoTimestamp(m.timestamp);
    // Without an Open WebUI id, the id observeTurn would derive (see shared/message-ids.ts).
    const id = m.id ?? derivedMessageId(userId, chatId, role, content, timestamp ?? '');
    const media = role === 'user' && !textOnly ? mediaOf(m) : undefined;
    return { id, role, content, ...media, ...(at ? { timestamp: at } : {}) };
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

/**
 * The turn an outlet call stores, and `textTurn`, the same turn with the user's media as
 * placeholders, when it has media: the outlet stores that one instead when the media is
 * refused (a broken image must not lose the words around it; errors here are never shown).
 */
export function outletTurn(
  userId: string,
  body: Record<string, unknown>,
): { key: string; turn: TurnInput; textTurn?: TurnInput; replyId?: string } | undefined {
  const parsed = OutletBodySchema.safeParse(body);
  if (!parsed.success) return undefined;
  const pair = lastPair(parsed.data.messages);
  if (!pair) return undefined;
  const userText = storedText(pair.user.content);
  const assistantText = storedText(pair.assistant.content);
  if (!userText.trim() && !assistantText.trim()) return undefined;
  const chatId = parsed.data.chat_id || 'default';
  const { user, assistant, timestamp } = pairTurn(userId, chatId, pair, false);
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
  const textUser = pairTurn(userId, chatId, pair).user;
  const textTurn =
    textUser !== user && (user.files || Array.isArray(user.content))
      ? { ...turn, messages: turn.messages.map((m) => (m === user ? textUser : m)) }
      : undefined;
  return {
    key,
    turn,
    ...(textTurn ? { textTurn } : {}),
    ...(pair.assistant.id ? { replyId: pair.assistant.id } : {}),
  };
}
