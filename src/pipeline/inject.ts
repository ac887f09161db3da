/**
 * injectContext (pure): puts a memory context block into a chat request's system message.
 * An earlier block (from a previous inject in the same conversation) is replaced, never
 * duplicated; without a system message one is prepended; the caller's array and message
 * objects are never mutated (new array, copied messages). An empty context removes any
 * earlier block. Used by the Open WebUI filter, the OpenAI proxy and the AI SDK middleware.
 */
import { CLOSE_TAG, OPEN_TAG } from './format.ts';

export interface InjectableMessage {
  role: string;
  content?: unknown;
}

const BLOCK = new RegExp(`\\n*${OPEN_TAG}[\\s\\S]*?${CLOSE_TAG.replace('/', '\\/')}\\n*`, 'g');

export function stripContext(text: string): string {
  return text.replace(BLOCK, '\n\n').trim();
}

function withContext(text: string, context: string): string {
  const base = stripContext(text);
  if (!context) return base;
  return base ? `${base}\n\n${context}` : context;
}

export function injectContext<M extends InjectableMessage>(messages: readonly M[], context: string): M[] {
  const index = messages.findIndex((m) => m.role === 'system');
  const out = messages.map((m) => ({ ...m }));
  // Blocks left in other system messages (e.g. a second system message) are removed too.
  out.forEach((m, i) => {
    if (i !== index && m.role === 'system' && typeof m.content === 'string' && m.content.includes(OPEN_TAG)) {
      m.content = stripContext(m.content);
    }
  });
  const system = out[index];
  if (!system) {
    if (!context) return out;
    return [{ role: 'system', content: context } as M, ...out];
  }
  if (typeof system.content === 'string' || system.content === undefined || system.content === null) {
    system.content = withContext(typeof system.content === 'string' ? system.content : '', context);
  } else if (Array.isArray(system.content)) {
    const parts = (system.content as Array<{ type?: string; text?: unknown }>)
      .map((p) =>
        p.type === 'text' && typeof p.text === 'string' ? { ...p, text: stripContext(p.text) } : { ...p },
      )
      .filter((p) => !(p.type === 'text' && p.text === ''));
    if (context) parts.push({ type: 'text', text: context });
    system.content = parts;
  }
  return out;
}
