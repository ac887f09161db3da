/**
 * Idempotency under concurrency: the same turn observed twice at the same time (a front
 * end retrying while the first request is still in flight, or two replicas delivering one
 * outlet) stores the turn once; the call that loses the race reports `skipped: true`
 * instead of failing with a ConflictError. Runs on the in-memory store and on SQLite (a
 * real temp file).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestEngine, testEngine } from '../../test-support/engine/pipeline-engine.ts';
import type { StrataConfigInput } from '../config/schema.ts';

let engine: TestEngine | undefined;
let dir: string | undefined;
afterEach(async () => {
  await engine?.memory.close();
  engine = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const turn = {
  userId: 'u1',
  chatId: 'c1',
  timestamp: '2026-11-01T09:59:00Z',
  messages: [
    {
      id: 'm1',
      role: 'user' as const,
      content: 'I live in Lisbon and I am nervous about my exam next Friday.',
    },
    { id: 'm2', role: 'assistant' as const, content: 'Good luck with the exam!' },
  ],
};

async function raceTwice(overrides: StrataConfigInput): Promise<void> {
  engine = await testEngine('2026-11-01T10:00:00Z', overrides);
  const { memory } = engine;
  const results = await Promise.all([memory.observeTurn(turn), memory.observeTurn(turn)]);
  const winners = results.filter((r) => !r.skipped);
  const losers = results.filter((r) => r.skipped);
  expect(winners).toHaveLength(1);
  expect(losers).toHaveLength(1);
  expect(losers[0]).toMatchObject({ turnId: winners[0]?.turnId, stored: [], updated: [] });
  const stored = await memory.list({ userId: 'u1', includeSuperseded: true, limit: 100 });
  expect(stored.items.map((m) => m.id).sort()).toEqual(winners[0]?.stored.map((m) => m.id).sort());
  // A third, later call is a plain skip as before.
  expect(await memory.observeTurn(turn)).toMatchObject({ skipped: true, stored: [] });
}

describe('observeTurn: two simultaneous calls for the same turn', () => {
  it('memory store: one stores, the other is reported as skipped', async () => {
    await raceTwice({});
  });

  it('sqlite store: one stores, the other is reported as skipped', async () => {
    dir = mkdtempSync(join(tmpdir(), 'strata-observe-race-'));
    await raceTwice({ store: { kind: 'sqlite', path: join(dir, 'race.db') } });
  });
});
