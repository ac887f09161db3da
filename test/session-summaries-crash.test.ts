/**
 * Durability of the session summary queue: a child process observes two sessions (the
 * second one's first turn queues the first one's summary) and is SIGKILLed before its
 * worker runs the job. The job is on disk; an engine opened on the same file afterwards
 * runs it by itself (no flush, no consolidate) and the summary appears.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { SESSIONS_KEY } from '../src/pipeline/session-summaries.ts';
import { SqliteStore } from '../src/stores/sqlite/sqlite-store.ts';
import { engineConfig, tempDir } from '../test-support/engine/e2e-engine.ts';
import { runWriterUntilKilled } from '../test-support/stores/kill-writer.ts';

let dir: ReturnType<typeof tempDir>;
let memory: StrataMemory | undefined;
beforeEach(() => {
  dir = tempDir('strata-summary-crash-');
});
afterEach(async () => {
  await memory?.close();
  dir.remove();
});

describe('session summary queue survives kill -9', () => {
  it('a job queued by a killed process runs when the store is opened again', async () => {
    const path = `${dir.path}/strata.db`;
    const script = new URL('../test-support/process/summary-crash-writer.ts', import.meta.url).pathname;
    const { acked, stderr } = await runWriterUntilKilled(script, [path], 4);
    expect(acked, `writer failed: ${stderr}`).toEqual([0, 1, 2, 3]);

    const raw = new SqliteStore({ path });
    await raw.open({ model: { id: 'unused', dimensions: 1 }, allowModelChange: true });
    const state = (await raw.getState('crash-user', SESSIONS_KEY)) as { pending: unknown[] };
    expect(state.pending).toHaveLength(1);
    const before = await raw.list({ userId: 'crash-user', layers: ['symbolic'] }, { limit: 10 });
    expect(before.items).toHaveLength(0);
    await raw.close();

    memory = createMemory(
      engineConfig('sqlite', dir.path, { layers: { sessionSummaries: { enabled: true, delayMs: 0 } } }),
    );
    await memory.ready();
    let summaries: string[] = [];
    for (let i = 0; i < 300 && summaries.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      summaries = (await memory.list({ userId: 'crash-user', layer: 'symbolic' })).items.map(
        (m) => m.content,
      );
    }
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatch(/^Session of 5 January 2026 .*Pixel/);
    expect(summaries[0]).not.toContain('meetings');
    expect((await memory.stats('crash-user')).summaries).toMatchObject({ pending: 0, written: 1 });
  }, 60_000);
});
