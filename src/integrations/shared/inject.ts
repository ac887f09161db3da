/**
 * What the integrations share for message handling: `inject(messages, context)` (the
 * pipeline's pure injectContext: the `<memory_context>` block goes into the system
 * message, created if absent, an earlier block replaced, input never mutated) and
 * `textOf`, the plain text of string or parts content.
 */
import { injectContext } from '../../pipeline/inject.ts';

/** Puts the context block into the system message (see pipeline/inject.ts). */
export const inject = injectContext;

/** Plain text of message content given as a string or an OpenAI-style parts array. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      typeof part === 'object' && part !== null && (part as { type?: unknown }).type === 'text'
        ? String((part as { text?: unknown }).text ?? '')
        : '',
    )
    .filter(Boolean)
    .join('\n');
}
