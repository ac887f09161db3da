/**
 * Helpers for the integration tests of episodic bridges (the reply before a user message
 * paired with that message): a real engine on a temp SQLite file with the hash embedder,
 * and readers for a user's episodic memories by kind, so a test can check that a bridge
 * references the assistant message memory stored one turn earlier (same message id).
 */
import type { StrataMemory } from '../../src/api.ts';
import { createMemory } from '../../src/memory.ts';
import type { Memory } from '../../src/types.ts';
import { engineConfig, tempDir } from './engine.ts';

export interface RealEngine {
  memory: StrataMemory;
  close(): Promise<void>;
}

export function realEngine(): RealEngine {
  const dir = tempDir('strata-bridge-');
  const memory = createMemory(engineConfig('sqlite', dir.path));
  return {
    memory,
    async close() {
      await memory.close();
      dir.remove();
    },
  };
}

export interface Episodic {
  all: Memory[];
  bridges: Memory[];
  /** Single-message memories (kind "message"), each with its one message id. */
  messages: Array<{ memory: Memory; id: string; role: unknown }>;
}

const idsOf = (m: Memory): string[] =>
  Array.isArray(m.metadata.messageIds) ? (m.metadata.messageIds as string[]) : [];

export async function episodic(memory: StrataMemory, userId: string): Promise<Episodic> {
  const all = (await memory.list({ userId, layer: 'episodic', limit: 1000 })).items;
  return {
    all,
    bridges: all.filter((m) => m.metadata.kind === 'exchange' && m.metadata.bridge === true),
    messages: all
      .filter((m) => m.metadata.kind === 'message')
      .map((m) => ({ memory: m, id: idsOf(m)[0] ?? '', role: m.metadata.role })),
  };
}

/** The message ids a bridge pairs: [the earlier reply, the user message]. */
export function bridgeIds(bridge: Memory | undefined): string[] {
  return bridge ? idsOf(bridge) : [];
}

/** The id under which the assistant message with this text was stored (one memory expected). */
export function storedReplyId(state: Episodic, text: string): string[] {
  return state.messages
    .filter((m) => m.role === 'assistant' && m.memory.content.includes(text))
    .map((m) => m.id);
}

export async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
}
