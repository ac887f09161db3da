/**
 * The seam between integrations and the pipeline's context injection. Integrations call
 * `inject(messages, context)` to put the `<memory_context>` block into the system message
 * (creating one if absent, replacing an earlier block, never mutating the input). Until
 * pipeline/inject.ts lands this holds an equivalent minimal implementation.
 */

export interface InjectableMessage {
  role: string;
  content?: unknown;
  [key: string]: unknown;
}

const BLOCK = /<memory_context>[\s\S]*?<\/memory_context>\n*/g;

export function inject<M extends InjectableMessage>(messages: readonly M[], context: string): M[] {
  const copy = messages.map((message) => ({ ...message }));
  if (!context.trim()) return copy;
  const index = copy.findIndex((message) => message.role === 'system');
  if (index === -1) return [{ role: 'system', content: context } as M, ...copy];
  const system = copy[index]!;
  const existing = typeof system.content === 'string' ? system.content : textOf(system.content);
  const stripped = existing.replace(BLOCK, '').trim();
  copy[index] = { ...system, content: stripped ? `${stripped}\n\n${context}` : context };
  return copy;
}

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
