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

/** The texts of one id-less turn: the reply before the user message ('' if none), the user message, the reply. */
export interface IdlessTurnTexts {
  before: string;
  user: string;
  reply: string;
}

/**
 * The turn an id-less surface stores: [earlier reply as bridge context,] user message,
 * reply, every id derived from user, chat, role and text.
 */
export function idlessTurn(
  userId: string,
  chatId: string,
  texts: IdlessTurnTexts,
  metadata: Record<string, unknown>,
): TurnInput {
  const previous = previousReply(derivedMessageId(userId, chatId, 'assistant', texts.before), texts.before);
  return {
    userId,
    chatId,
    messages: [
      ...(previous ? [previous] : []),
      { id: derivedMessageId(userId, chatId, 'user', texts.user), role: 'user', content: texts.user },
      {
        id: derivedMessageId(userId, chatId, 'assistant', texts.reply),
        role: 'assistant',
        content: texts.reply,
      },
    ],
    metadata,
  };
}
