/**
 * Message ids for surfaces whose wire format has none (OpenAI chat messages, AI SDK
 * prompts). The episodic layer writes a *bridge* (the reply before a user message + that
 * message) only when the caller sends that earlier reply with the id it was stored under
 * one turn before, and recall pairs memories by those ids. So an integration derives each
 * id itself, deterministically, and uses the same derivation for the reply it stores now
 * and for the reply it finds in the next request's history. The derivation is the one
 * pipeline/normalize.ts applies to a message sent without an id (user, chat, role, trimmed
 * text, turn timestamp or ''), so turns stored before integrations sent ids keep theirs.
 */
import type { ChatMessage } from '../../types.ts';
import { stableId } from '../../util/ids.ts';

/** The id a message without one is stored under (see pipeline/normalize.ts idOf). */
export function derivedMessageId(
  userId: string,
  chatId: string,
  role: 'user' | 'assistant',
  text: string,
  turnTimestamp = '',
): string {
  return stableId(userId, chatId, role, text.trim(), turnTimestamp);
}

/**
 * The earlier reply sent along with a turn: it goes before the turn's user message so
 * observeTurn pairs it with that message (a bridge); it is not stored again.
 */
export function previousReply(id: string, text: string): ChatMessage | undefined {
  const content = text.trim();
  return content ? { id, role: 'assistant', content } : undefined;
}
