/**
 * Failure injection for the turn's all-or-nothing write: a store whose commit throws, or
 * whose stored version moves under observeTurn (a concurrent edit between read and write),
 * must leave nothing of the turn behind — no new memory and no half-applied supersede —
 * and surface a MemoryError; one concurrent edit is absorbed by planning the turn again.
 * Recall's link strengthening fails the same way: all or none.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { createEmbedder } from '../embedders/create-embedder.ts';
import { createMemory } from '../engine/engine.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { MemoryError } from '../errors.ts';
import { createStore } from '../stores/create-store.ts';
import type { CommitBatch, MemoryStore } from '../stores/types.ts';
import { fixedClock } from '../util/clock.ts';
import { silentLogger } from '../util/logger.ts';

type BeforeCommit = (batch: CommitBatch, inner: MemoryStore) => Promise<void>;

interface Harness {
  memory: StrataMemory;
  store: MemoryStore;
  clock: ReturnType<typeof fixedClock>;
  /** Runs before the next commits reach the store; throw to fail them. */
  beforeCommit: BeforeCommit | null;
}

let open: StrataMemory | undefined;
afterEach(async () => {
  await open?.close();
  open = undefined;
});

async function harness(): Promise<Harness> {
  const config = ConfigSchema.parse({ store: { kind: 'memory' }, embedder: { kind: 'hash' } });
  const inner = createStore(config);
  const clock = fixedClock('2026-11-01T10:00:00Z');
  const h = { beforeCommit: null } as Harness;
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'commit') {
        return async (batch: CommitBatch) => {
          if (h.beforeCommit) await h.beforeCommit(batch, target);
          return target.commit(batch);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const memory = createMemory(config, {
    clock,
    store,
    embedder: createEmbedder(config),
    logger: silentLogger,
  });
  await memory.ready();
  open = memory;
  return Object.assign(h, { memory, store: inner, clock });
}

const say = (text: string, at: string) => ({
  userId: 'u1',
  chatId: 'c1',
  timestamp: at,
  messages: [
    { role: 'user' as const, content: text },
    { role: 'assistant' as const, content: 'Noted.' },
  ],
});

async function snapshot(store: MemoryStore) {
  const page = await store.list({ userId: 'u1', includeSuperseded: true }, { limit: 500 });
  const versions = await Promise.all(page.items.map((m) => store.history('u1', m.id)));
  return { memories: page.items, versions: versions.flat().length };
}

async function observeParis(h: Harness) {
  const first = await h.memory.observeTurn(say('I live in Paris.', '2026-11-01T10:00:00Z'));
  const paris = first.stored.find((m) => m.layer === 'semantic');
  expect(paris?.content).toBe('User lives in Paris');
  h.clock.set('2026-11-08T10:00:00Z');
  return paris!;
}

describe('observeTurn writes a turn all or nothing', () => {
  it('a commit that throws stores nothing of the turn and rejects with a MemoryError', async () => {
    const h = await harness();
    const paris = await observeParis(h);
    const before = await snapshot(h.store);
    let batchSeen: CommitBatch | undefined;
    h.beforeCommit = async (batch) => {
      batchSeen = batch;
      throw new Error('disk I/O error (injected)');
    };
    const error = await h.memory
      .observeTurn(say('I moved to Berlin last month.', '2026-11-08T10:00:00Z'))
      .catch((e: unknown) => e);
    expect(MemoryError.isInstance(error)).toBe(true);
    expect((error as MemoryError).message).toContain('injected');
    // The failed commit carried both halves: the new fact and Paris's supersede version.
    expect(batchSeen?.insert?.some((r) => r.memory.content === 'User lives in Berlin')).toBe(true);
    expect(batchSeen?.update?.some((u) => u.memory.id === paris.id && u.op === 'supersede')).toBe(true);
    expect(await snapshot(h.store)).toEqual(before);
    expect((await h.store.get('u1', paris.id))?.supersededBy).toBeNull();

    // The turn was not acknowledged, so it is retried, and then lands completely.
    h.beforeCommit = null;
    const retry = await h.memory.observeTurn(say('I moved to Berlin last month.', '2026-11-08T10:00:00Z'));
    expect(retry.skipped).toBe(false);
    const berlin = retry.stored.find((m) => m.layer === 'semantic');
    expect((await h.store.get('u1', paris.id))?.supersededBy).toBe(berlin?.id);
  });

  it('a version that keeps moving before the commit (stale) stores nothing: a retryable conflict', async () => {
    const h = await harness();
    const paris = await observeParis(h);
    let edits = 0;
    // A concurrent edit of the old fact between observeTurn's read and its write, every time.
    h.beforeCommit = async (_batch, inner) => {
      edits++;
      const current = (await inner.get('u1', paris.id))!;
      await inner.update([
        { memory: { ...current, importance: 0.9, version: current.version + 1 }, op: 'update' },
      ]);
    };
    const before = await snapshot(h.store);
    const error = await h.memory
      .observeTurn(say('I moved to Berlin last month.', '2026-11-08T10:00:00Z'))
      .catch((e: unknown) => e);
    expect(MemoryError.isInstance(error)).toBe(true);
    expect((error as MemoryError).code).toBe('conflict');
    expect((error as MemoryError).retryable).toBe(true);
    expect(edits).toBe(3); // the first attempt and two re-plans
    const after = await snapshot(h.store);
    // Only the concurrent edits' versions were added; nothing of the Berlin turn exists.
    expect(after.memories.map((m) => m.id)).toEqual(before.memories.map((m) => m.id));
    expect(after.versions).toBe(before.versions + edits);
    expect(after.memories.some((m) => m.content.includes('Berlin'))).toBe(false);
    const stored = await h.store.get('u1', paris.id);
    expect(stored?.supersededBy).toBeNull();
    expect(stored?.version).toBe(1 + edits);
  });

  it('a single concurrent edit is absorbed: the turn is planned again and lands whole', async () => {
    const h = await harness();
    const paris = await observeParis(h);
    h.beforeCommit = async (_batch, inner) => {
      h.beforeCommit = null;
      const current = (await inner.get('u1', paris.id))!;
      await inner.update([
        { memory: { ...current, importance: 0.9, version: current.version + 1 }, op: 'update' },
      ]);
    };
    const result = await h.memory.observeTurn(say('I moved to Berlin last month.', '2026-11-08T10:00:00Z'));
    const berlin = result.stored.find((m) => m.layer === 'semantic');
    expect(berlin?.content).toBe('User lives in Berlin');
    const stored = await h.store.get('u1', paris.id);
    expect(stored).toMatchObject({ supersededBy: berlin?.id, importance: 0.9, version: 3 });
    expect((await h.store.history('u1', paris.id)).map((v) => v.op)).toEqual([
      'create',
      'update',
      'supersede',
    ]);
  });
});

describe('recall link strengthening writes all or nothing', () => {
  it('a failing commit strengthens no link and recall still answers', async () => {
    const h = await harness();
    await h.memory.observeTurn(say('My sister Anna plays the cello in Vienna.', '2026-11-01T09:00:00Z'));
    await h.memory.observeTurn(say('Anna is coming to visit for the holidays.', '2026-11-01T09:30:00Z'));
    const before = await snapshot(h.store);
    let attempted = 0;
    h.beforeCommit = async (batch) => {
      attempted = batch.update?.length ?? 0;
      throw new Error('injected');
    };
    const result = await h.memory.recall({
      userId: 'u1',
      messages: [{ role: 'user', content: 'Is Anna coming for the holidays?' }],
      maxTokens: 2000,
    });
    expect(result.context).toContain('Anna');
    expect(attempted).toBeGreaterThan(0);
    const after = await snapshot(h.store);
    expect(after.versions).toBe(before.versions);
    const versionsOf = (s: typeof before) =>
      s.memories.map((m) => [m.id, m.version, m.metadata.linkStrengths]);
    expect(versionsOf(after)).toEqual(versionsOf(before));
  });
});
