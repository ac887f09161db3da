/**
 * Message ids for surfaces whose wire format has none (OpenAI chat messages, AI SDK
 * prompts). The episodic layer writes a *bridge* (the reply before a user message + that
 * message) only when the caller sends that earlier reply with the id it was stored under
 * one turn before, and recall pairs memories by those ids. So an integration derives each
 * id itself, deterministically, and uses the same derivation for the reply it stores now
 * and for the reply it finds in the next request's history. The derivation is
 * pipeline/normalize.ts derivedMessageId, the one observeTurn applies to a message sent
 * without an id, so turns stored before integrations sent ids keep theirs.
 */

import { derivedMessageId } from '../../pipeline/normalize.ts';
import type { ChatMessage, TurnInput } from '../../types.ts';

export { derivedMessageId };

/**
 * The earlier reply sent along with a turn: it goes before the turn's user message so
 * observeTurn pairs it with that message (a bridge); it is not stored again.
 */
export function previousReply(id: string, text: string): ChatMessage | undefined {
  const content = text.trim();
  return content ? { id, role: 'assistant', content } : undefined;
}

/**
 * The turn an id-less surface stores after a reply: the last user message of the
 * conversation and the reply, plus the assistant message right before that user message
 * as bridge context, every id derived from user, chat, role and text. `text` reads a
 * message's text; undefined when there is no user message or the reply is empty.
 */
export function idlessTurn<M extends { role: string }>(
  userId: string,
  chatId: string,
  conversation: readonly M[],
  text: (message: M) => string,
  reply: string,
  metadata: Record<string, unknown>,
): TurnInput | undefined {
  const userIndex = conversation.findLastIndex((m) => m.role === 'user');
  const lastUser = conversation[userIndex];
  if (!lastUser || !reply.trim()) return undefined;
  const userText = text(lastUser) || '[non-text message]';
  const before = conversation[userIndex - 1];
  const beforeText = before?.role === 'assistant' ? text(before) : '';
  const previous = previousReply(derivedMessageId(userId, chatId, 'assistant', beforeText), beforeText);
  return {
    userId,
    chatId,
    messages: [
      ...(previous ? [previous] : []),
      { id: derivedMessageId(userId, chatId, 'user', userText), role: 'user', content: userText },
      { id: derivedMessageId(userId, chatId, 'assistant', reply), role: 'assistant', content: reply },
    ],
    metadata,
  };
}
