/**
 * Helpers for the integration tests of episodic bridges (the reply before a user message
 * paired with that message): a real engine on a temp SQLite file with the hash embedder,
 * and readers for a user's episodic memories by kind, so a test can check that a bridge
 * references the assistant message memory stored one turn earlier (same message id), and
 * the checks every id-less integration's bridge test makes.
 */
import { expect } from 'vitest';
import { createMemory } from '../../src/engine/engine.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import type { Memory } from '../../src/types.ts';
import { engineConfig, tempDir } from '../engine/e2e-engine.ts';

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

/**
 * An id-less surface's second turn bridged the reply of its first: one bridge pairing the
 * reply's stored id (from `before`) with the new user message, and the reply not stored again.
 */
export function expectBridgedReply(before: Episodic, after: Episodic, reply: string, userText: string): void {
  expect(after.bridges).toHaveLength(1);
  const [replyId] = storedReplyId(before, reply);
  expect(replyId).toBeDefined();
  const userId = after.messages.find((m) => m.memory.content === `User: ${userText}`)?.id;
  expect(bridgeIds(after.bridges[0])).toEqual([replyId, userId]);
  expect(after.bridges[0]?.content).toBe(`Assistant: ${reply}\nUser: ${userText}`);
  expect(storedReplyId(after, reply)).toEqual([replyId]);
}

/** Bob's run of the same chat bridged only bob's memories and left alice's as they were. */
export async function expectBridgesPerUser(
  memory: StrataMemory,
  alice: Episodic,
  bob: Episodic,
): Promise<void> {
  expect(bob.bridges.map((m) => m.userId)).toEqual(['bob']);
  const bobIds = new Set(bob.messages.map((m) => m.id));
  expect(bridgeIds(bob.bridges[0]).every((id) => bobIds.has(id))).toBe(true);
  expect(bridgeIds(bob.bridges[0])).not.toEqual(bridgeIds(alice.bridges[0]));
  expect((await episodic(memory, 'alice')).all.map((m) => m.id).sort()).toEqual(
    alice.all.map((m) => m.id).sort(),
  );
}

export async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
}
