import { afterEach, describe, expect, it } from 'vitest';
import { engineConfig, tempDir } from '../../test-support/engine/e2e-engine.ts';
import { QuotaExceededError } from '../errors.ts';
import type { ProducedWrite, WriteGate } from '../layers/context.ts';
import { createMemory } from './engine.ts';
import type { StrataMemory } from './strata-memory.ts';

/**
 * The write gate (the server's quotas) as the library sees it: each producing store write
 * of a call is admitted once, with exactly what it stores, and a refusal leaves nothing.
 */
let dir: ReturnType<typeof tempDir>;
let memory: StrataMemory;
afterEach(async () => {
  await memory.close();
  dir.remove();
});

function recordingGate(refuse = false): WriteGate & { calls: ProducedWrite[][] } {
  const calls: ProducedWrite[][] = [];
  return {
    calls,
    async admit(produced, write) {
      calls.push(produced.map((p) => ({ ...p })));
      if (refuse) throw new QuotaExceededError('Quota exceeded (test gate)');
      return write();
    },
  };
}

const turn = {
  userId: 'alice',
  chatId: 'c1',
  turnId: 't1',
  messages: [
    { role: 'user' as const, content: 'I moved to Lisbon last spring and I love the tram.' },
    { role: 'assistant' as const, content: 'Lisbon trams are lovely in spring.' },
  ],
};

describe('write gate', () => {
  it('admits a turn once with every memory it stores across layers, and the stored bytes', async () => {
    dir = tempDir();
    memory = createMemory(engineConfig('sqlite', dir.path));
    const gate = recordingGate();
    const result = await memory.observeTurn(turn, { gate });
    expect(result.stored.length).toBeGreaterThan(2);
    expect(new Set(result.stored.map((m) => m.layer)).size).toBeGreaterThan(1);
    expect(gate.calls).toHaveLength(1);
    const stats = await memory.stats('alice');
    expect(gate.calls[0]).toEqual([{ userId: 'alice', memories: result.stored.length, bytes: stats.bytes }]);
    // The same turn again stores nothing and asks the gate nothing.
    expect((await memory.observeTurn(turn, { gate })).skipped).toBe(true);
    expect(gate.calls).toHaveLength(1);
  });

  it('a refused turn, add, import or growing update stores nothing', async () => {
    dir = tempDir();
    memory = createMemory(engineConfig('sqlite', dir.path));
    const refuse = recordingGate(true);
    await expect(memory.observeTurn(turn, { gate: refuse })).rejects.toThrow(/Quota exceeded/);
    await expect(memory.add({ userId: 'alice', content: 'one' }, { gate: refuse })).rejects.toThrow(
      /Quota exceeded/,
    );
    expect((await memory.stats('alice')).memories).toBe(0);
    const kept = await memory.add({ userId: 'alice', content: 'short' });
    await expect(
      memory.update('alice', kept.id, { content: 'much longer now' }, { gate: refuse }),
    ).rejects.toThrow(/Quota exceeded/);
    expect((await memory.get('alice', kept.id)).content).toBe('short');
    const gate = recordingGate();
    await memory.update('alice', kept.id, { content: 'much longer now' }, { gate });
    expect(gate.calls[0]).toEqual([{ userId: 'alice', memories: 0, bytes: 'much longer now'.length - 5 }]);
    const line = JSON.stringify({ kind: 'memory', ...kept, id: 'imported-1', content: 'imported' });
    await expect(memory.import(line, { gate: refuse })).rejects.toThrow(/Quota exceeded/);
    expect((await memory.stats('alice')).memories).toBe(1);
    await memory.import(line, { gate });
    expect(gate.calls[1]).toEqual([{ userId: 'alice', memories: 1, bytes: 'imported'.length + 2 }]);
  });
});
