/**
 * NDJSON export/import end to end: a round trip into a fresh store reproduces identical
 * records and history, importing twice leaves the same state, and a malformed line
 * rejects the whole file with its line number and imports nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import type { StrataMemory } from '../src/engine/strata-memory.ts';
import { fixedClock } from '../src/util/clock.ts';
import {
  availableStores,
  engineConfig,
  errorOf,
  readStream,
  tempDir,
} from '../test-support/engine/e2e-engine.ts';

async function snapshot(memory: StrataMemory, userId: string) {
  const { items } = await memory.list({ userId, limit: 1000 });
  const histories = await Promise.all(items.map((m) => memory.history(userId, m.id)));
  return { items, histories };
}

describe.each(availableStores())('export/import on the %s store', (kind) => {
  let dir: ReturnType<typeof tempDir>;
  let source: StrataMemory;
  let target: StrataMemory;
  const clock = fixedClock('2024-01-10T08:00:00Z');

  beforeEach(async () => {
    dir = tempDir();
    source = createMemory(engineConfig(kind, `${dir.path}/a`, { dataDir: `${dir.path}/a` }), { clock });
    target = createMemory(engineConfig(kind, `${dir.path}/b`, { dataDir: `${dir.path}/b` }), { clock });
    const first = await source.add({
      userId: 'alice',
      content: 'Allergic to peanuts',
      createdAt: '2023-03-01T09:30:00Z',
      importance: 0.9,
      metadata: { source: 'doctor', tags: ['health'] },
      sources: [{ chatId: 'c1', messageId: 'm1', role: 'user' }],
    });
    clock.advance(1000);
    await source.update('alice', first.id, { content: 'Allergic to peanuts and cashews' });
    await source.add({ userId: 'alice', content: 'Runs every Sunday', layer: 'episodic' });
    await source.add({ userId: 'bob', content: 'Not exported with alice' });
  });
  afterEach(async () => {
    await source.close();
    await target.close();
    dir.remove();
  });

  it.each([false, true])(
    'round-trips identical records and history (vectors: %s)',
    async (includeVectors) => {
      const ndjson = await readStream(source.export('alice', { includeVectors }));
      const lines = ndjson
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; vector?: string });
      expect(lines.filter((l) => l.kind === 'memory')).toHaveLength(2);
      expect(lines.filter((l) => l.kind === 'version')).toHaveLength(3);
      expect(lines.some((l) => l.vector !== undefined)).toBe(includeVectors);

      const result = await target.import(ndjson);
      expect(result).toEqual({ imported: 2, unchanged: 0, lines: 5 });
      expect(await snapshot(target, 'alice')).toEqual(await snapshot(source, 'alice'));
      const original = (await source.list({ userId: 'alice' })).items[0];
      expect(original?.createdAt).toBe('2023-03-01T09:30:00.000Z');
      const hits = await target.search({ userId: 'alice', query: 'peanuts allergy' });
      expect(hits[0]?.memory.content).toBe('Allergic to peanuts and cashews');
    },
  );

  it('importing the same file twice leaves the same state', async () => {
    const ndjson = await readStream(source.export('alice'));
    await target.import(ndjson);
    const once = await snapshot(target, 'alice');
    expect(await target.import(ndjson)).toEqual({ imported: 0, unchanged: 2, lines: 5 });
    expect(await snapshot(target, 'alice')).toEqual(once);
    expect((await target.stats()).memories).toBe(2);
  });

  it('rejects a malformed line, naming it, and imports nothing', async () => {
    const good = (await readStream(source.export('alice'))).trim().split('\n');
    const broken = [...good.slice(0, 2), '{"kind":"memory","id":"x"', ...good.slice(2)].join('\n');
    const error = await errorOf(target.import(broken));
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain('line 3');
    expect((await target.stats()).memories).toBe(0);

    const badField = good.map((line, i) =>
      i === 1 ? line.replace(/"importance":[0-9.]+/, '"importance":7') : line,
    );
    const fieldError = await errorOf(target.import(badField.join('\n')));
    expect(fieldError.message).toMatch(/line 2: .*importance/);
    expect((await target.stats()).memories).toBe(0);
  });

  it('imports files larger than limits.maxBatchSize in one piece', async () => {
    const small = createMemory(
      engineConfig(kind, `${dir.path}/c`, { dataDir: `${dir.path}/c`, limits: { maxBatchSize: 1 } }),
    );
    try {
      const ndjson = await readStream(source.export('alice'));
      expect(await small.import(ndjson)).toMatchObject({ imported: 2 });
    } finally {
      await small.close();
    }
  });

  it('enforces or reassigns the import user', async () => {
    const ndjson = await readStream(source.export('alice'));
    expect((await errorOf(target.import(ndjson, { userId: 'carol' }))).message).toContain('line 1');
    expect(await target.import(ndjson, { userId: 'carol', reassign: true })).toMatchObject({ imported: 2 });
    expect((await target.list({ userId: 'carol' })).items).toHaveLength(2);
    expect((await target.list({ userId: 'alice' })).items).toHaveLength(0);
  });
});
