/**
 * Media for the surfaces that flatten messages to text before storing them (the
 * OpenAI-compatible proxy): the last user message goes to the engine with its content parts
 * (memory blocks stripped from the text parts), so its images and recordings become
 * memories; its id is left for the engine to derive from the text and the blob ids. When
 * the engine refuses the media (a 4xx with details.reason), the surface stores the text turn
 * it had instead, so a broken image never loses the words around it.
 */
import { MemoryError } from '../../errors.ts';
import type { ChatMessage, TurnInput } from '../../types.ts';
import { stripMemoryText } from './memory-block.ts';

type Part = Record<string, unknown>;

/** `turn` with its user message's parts restored from `content`, or undefined when it has no media parts. */
export function withUserMedia(turn: TurnInput, content: unknown): TurnInput | undefined {
  if (!Array.isArray(content)) return undefined;
  const parts = content as Part[];
  if (!parts.some((p) => typeof p === 'object' && p !== null && p.type !== 'text')) return undefined;
  const stripped = parts.map((p) =>
    p?.type === 'text' && typeof p.text === 'string' ? { ...p, text: stripMemoryText(p.text) } : p,
  );
  const index = turn.messages.findLastIndex((m) => m.role === 'user');
  if (index < 0) return undefined;
  const messages = [...turn.messages];
  const { id: _id, ...user } = messages[index]!;
  messages[index] = { ...user, content: stripped as ChatMessage['content'] };
  return { ...turn, messages };
}

/** Whether the engine refused a turn for its media (details.reason from media/media-errors.ts). */
export function isMediaRefusal(error: unknown): boolean {
  return (
    MemoryError.isInstance(error) &&
    typeof error.details.reason === 'string' &&
    error.code !== 'upstream_error'
  );
}
