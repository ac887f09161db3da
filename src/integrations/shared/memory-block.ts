/**
 * Reading and combining `<memory_context>` blocks in chat messages, pure. Several Strata
 * filters may run on one request (Open WebUI calls each enabled filter's inlet in turn,
 * passing on the body the previous one returned), so a later filter adds its lines to the
 * block an earlier one injected instead of replacing it: `mergeBlocks` keeps the earlier
 * lines in order and appends the new ones, each memory once (a line's identity is its
 * layer and short id, so the same memory formatted twice still counts once). And what a
 * surface stores must never contain a block: `stripMemoryText` removes whole blocks, an
 * unterminated one (a stream cut mid-echo) and stray tags or instruction lines.
 */
import { CLOSE_TAG, INSTRUCTION, OPEN_TAG } from '../../pipeline/format.ts';

interface MessageLike {
  role: string;
  content?: unknown;
}

const LINE_ID = /^- \[(\w+) \S+ ([\w-]+)\]/;

/** The text of the first memory block in a system message, or '' when there is none. */
export function blockOf(messages: readonly MessageLike[]): string {
  for (const message of messages) {
    if (message.role !== 'system') continue;
    for (const text of textsOf(message.content)) {
      const start = text.indexOf(OPEN_TAG);
      const end = text.indexOf(CLOSE_TAG, start);
      if (start >= 0 && end > start) return text.slice(start, end + CLOSE_TAG.length);
    }
  }
  return '';
}

/** The memory lines of a block (frame and instruction line left out). */
export function blockLines(block: string): string[] {
  const start = block.indexOf(OPEN_TAG);
  const end = block.indexOf(CLOSE_TAG, start);
  if (start < 0 || end < 0) return [];
  return block
    .slice(start + OPEN_TAG.length, end)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && line !== INSTRUCTION);
}

/** One block holding `existing`'s lines, then `added`'s lines that are not in it yet. */
export function mergeBlocks(existing: string, added: string): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const line of [...blockLines(existing), ...blockLines(added)]) {
    const id = LINE_ID.exec(line);
    const key = id ? `${id[1]}:${id[2]}` : line;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(line);
  }
  return lines.length === 0 ? '' : [OPEN_TAG, INSTRUCTION, ...lines, CLOSE_TAG].join('\n');
}

/** A whole block with the spaces around it on its lines (one space is put back). */
const INLINE_BLOCK = new RegExp(`[ \\t]*${OPEN_TAG}[\\s\\S]*?${CLOSE_TAG}[ \\t]*`, 'g');

/** Text as it may be stored: no memory block, whole or cut off, and no leftover tag. */
export function stripMemoryText(text: string): string {
  let out = text.replace(INLINE_BLOCK, ' ');
  const open = out.indexOf(OPEN_TAG);
  if (open >= 0) out = out.slice(0, open);
  return out
    .split(CLOSE_TAG)
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== INSTRUCTION)
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function textsOf(content: unknown): string[] {
  if (typeof content === 'string') return [content];
  if (!Array.isArray(content)) return [];
  return content
    .filter((p): p is { type: 'text'; text: string } => p?.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text);
}
