/**
 * previousActivity on both code paths: the in-memory store pages through widening rings,
 * SQLite answers with one latestCreatedAt lookup. Both must name the same previous message
 * for turns inside a session, after gaps of hours and days, and with no history.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, testEngine } from '../../../test-support/engine/pipeline-engine.ts';
import type { TurnContext } from '../types.ts';
import { previousActivity } from './rhythm.ts';

const dirs: string[] = [];
const engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.memory.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SPOKE = [
  '2026-09-01T08:00:00.000Z',
  '2026-10-15T12:00:00.000Z',
  '2026-11-20T09:00:00.000Z',
  '2026-11-24T21:30:00.000Z',
];

async function engineWith(kind: 'memory' | 'sqlite'): Promise<TestEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-rhythm-'));
  dirs.push(dir);
  const store = kind === 'memory' ? { kind } : { kind, path: join(dir, 'r.db') };
  const engine = await testEngine('2026-11-25T10:00:00Z', { dataDir: dir, store });
  engines.push(engine);
  await engine.memory.addMany(
    SPOKE.map((createdAt, i) => ({
      userId: 'u1',
      layer: 'episodic' as const,
      content: `said ${i}`,
      createdAt,
    })),
  );
  // Another user's and another layer's rows never count.
  await engine.memory.add({
    userId: 'u2',
    layer: 'episodic',
    content: 'x',
    createdAt: '2026-11-25T09:00:00.000Z',
  });
  await engine.memory.add({
    userId: 'u1',
    layer: 'semantic',
    content: 'y',
    createdAt: '2026-11-25T09:00:00.000Z',
  });
  return engine;
}

const turnAt = (engine: TestEngine, at: string, userId = 'u1') =>
  ({ engine: engine.ctx, userId, at: new Date(at) }) as unknown as TurnContext;

describe('previousActivity', () => {
  const cases: Array<[string, { recent: boolean; previous: string | null }]> = [
    ['2026-11-24T21:45:00.000Z', { recent: true, previous: '2026-11-24T21:30:00.000Z' }],
    ['2026-11-25T10:00:00.000Z', { recent: false, previous: '2026-11-24T21:30:00.000Z' }],
    ['2026-11-24T20:00:00.000Z', { recent: false, previous: '2026-11-20T09:00:00.000Z' }],
    ['2026-11-01T00:00:00.000Z', { recent: false, previous: '2026-10-15T12:00:00.000Z' }],
    ['2026-09-01T07:00:00.000Z', { recent: false, previous: null }],
  ];
  for (const kind of ['memory', 'sqlite'] as const) {
    it(`finds the latest earlier message on the ${kind} store`, async () => {
      const engine = await engineWith(kind);
      expect(typeof engine.ctx.store.latestCreatedAt === 'function').toBe(kind === 'sqlite');
      for (const [at, expected] of cases) {
        const got = await previousActivity(turnAt(engine, at));
        expect({ at, recent: got.recent, previous: got.previous?.toISOString() ?? null }).toEqual({
          at,
          ...expected,
        });
      }
      expect(
        (await previousActivity(turnAt(engine, '2026-11-25T10:00:00.000Z', 'nobody'))).previous,
      ).toBeNull();
    });
  }
});
