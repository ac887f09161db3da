/**
 * Crash safety of observeTurn on SQLite: a process streaming turns is SIGKILLed mid-stream.
 * After reopen the file passes integrity_check and every acknowledged turn is complete:
 * its episodic and semantic memories are there, and the fact it contradicted is marked
 * superseded by it (with the old turn's message marked outdated). Any turn found at all,
 * acknowledged or in flight, is complete too: the turn and its supersedes are one commit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWriterUntilKilled } from '../../test-support/stores/kill-writer.ts';
import { SqliteStore } from '../stores/sqlite/sqlite-store.ts';
import type { Memory } from '../types.ts';

const ACKS_BEFORE_KILL = 30;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-observe-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function runUntilKilled(path: string): Promise<number[]> {
  const script = new URL('../../test-support/process/observe-crash-writer.ts', import.meta.url).pathname;
  const { acked, stderr } = await runWriterUntilKilled(script, [path], ACKS_BEFORE_KILL);
  expect(acked.length, `writer failed: ${stderr}`).toBeGreaterThanOrEqual(ACKS_BEFORE_KILL);
  return acked;
}

describe('observeTurn crash safety (sqlite)', () => {
  it('SIGKILL during a stream of turns: every acked turn and its supersede are there', async () => {
    const path = join(dir, 'turns.db');
    const acked = await runUntilKilled(path);

    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();

    const store = new SqliteStore({ path });
    await store.open({ model: { id: 'unused', dimensions: 1 }, allowModelChange: true });
    const turnMemories = async (n: number): Promise<Memory[]> =>
      (
        await store.list(
          { userId: `user-${n % 2}`, metadata: { n }, includeSuperseded: true },
          { limit: 100 },
        )
      ).items;
    const fact = (memories: Memory[]) => memories.find((m) => m.layer === 'semantic');
    const userMessage = (memories: Memory[]) =>
      memories.find((m) => m.layer === 'episodic' && m.metadata.role === 'user');

    const last = acked.at(-1)!;
    // The turn in flight at the kill (last + 1) may or may not be there; never half of it.
    for (let n = 0; n <= last + 1; n++) {
      const memories = await turnMemories(n);
      if (n > last && memories.length === 0) continue;
      const current = fact(memories);
      expect(userMessage(memories), `turn t${n}: user message`).toBeDefined();
      expect(current?.metadata.predicate, `turn t${n}: fact`).toBe('lives_in');
      if (n < 2) continue;
      const previous = await turnMemories(n - 2);
      expect(fact(previous)?.supersededBy, `turn t${n} supersedes t${n - 2}`).toBe(current?.id);
      expect(userMessage(previous)?.metadata.outdatedBy, `t${n - 2} message outdated`).toBe(current?.id);
      const history = await store.history(`user-${n % 2}`, fact(previous)?.id ?? '');
      expect(history.map((v) => v.op)).toEqual(['create', 'supersede']);
    }
    // Exactly one current residence per user: no new fact landed without its supersede.
    for (const userId of ['user-0', 'user-1']) {
      const facts = await store.list({ userId, layers: ['semantic'] }, { limit: 500 });
      expect(facts.items.filter((m) => m.metadata.predicate === 'lives_in')).toHaveLength(1);
    }
    await store.close();
  });
});
