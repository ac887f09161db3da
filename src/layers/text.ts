/**
 * Small text helpers shared by layers: who "the user" is in stored sentences (a speaker
 * name when the caller gave one, else "User"), speaker-aware message lines, and sentence
 * splitting. Kept here so every layer phrases memories the same way.
 */
import type { TurnContext, TurnMessage } from './types.ts';

export function userName(ctx: Pick<TurnContext, 'user'>): string {
  return ctx.user.speaker ?? 'User';
}

/** "Caroline: I went to the support group." or "User: …" / "Assistant: …". */
export function speakerLine(message: TurnMessage): string {
  const who = message.speaker ?? (message.role === 'user' ? 'User' : 'Assistant');
  return `${who}: ${message.text}`;
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** The sentence of `text` containing character `index`. */
export function sentenceAt(text: string, index: number): string {
  let start = 0;
  for (const s of sentences(text)) {
    const at = text.indexOf(s, start);
    if (at <= index && index < at + s.length) return s;
    start = at + s.length;
  }
  return text;
}
