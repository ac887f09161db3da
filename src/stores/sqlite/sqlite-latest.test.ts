/**
 * SqliteStore.latestCreatedAt: the newest createdAt passing a filter, through MAX() when SQL
 * decides the filter and through a newest-first JS re-check when it cannot (object metadata).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { newMemory } from '../../records.ts';
import { SqliteStore } from './sqlite-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it('returns the newest createdAt within user, layers, time range and metadata', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-latest-'));
  dirs.push(dir);
  const store = new SqliteStore({ path: join(dir, 's.db') });
  await store.open({ model: { id: 'test-model', dimensions: 4 } });
  const now = '2026-11-25T00:00:00.000Z';
  const row = (userId: string, layer: 'episodic' | 'semantic', createdAt: string, metadata = {}) => ({
    memory: newMemory({ userId, layer, content: `c ${createdAt}`, createdAt, metadata }, now, null),
    vector: null,
  });
  await store.insert([
    row('u', 'episodic', '2026-01-01T00:00:00.000Z', { tag: { a: 1 } }),
    row('u', 'episodic', '2026-03-01T00:00:00.000Z'),
    row('u', 'semantic', '2026-05-01T00:00:00.000Z'),
    row('v', 'episodic', '2026-06-01T00:00:00.000Z'),
  ]);
  expect(await store.latestCreatedAt({ userId: 'u' })).toBe('2026-05-01T00:00:00.000Z');
  expect(await store.latestCreatedAt({ userId: 'u', layers: ['episodic'] })).toBe('2026-03-01T00:00:00.000Z');
  expect(
    await store.latestCreatedAt({ userId: 'u', layers: ['episodic'], until: '2026-02-28T00:00:00.000Z' }),
  ).toBe('2026-01-01T00:00:00.000Z');
  expect(await store.latestCreatedAt({ userId: 'u', since: '2026-06-01T00:00:00.000Z' })).toBeNull();
  expect(await store.latestCreatedAt({ userId: 'u', metadata: { tag: { a: 1 } } })).toBe(
    '2026-01-01T00:00:00.000Z',
  );
  expect(await store.latestCreatedAt({ userId: 'nobody' })).toBeNull();
  await store.close();
});
