/**
 * Applying peers' entries, in process on real SQLite files (no HTTP: the entries go from
 * one engine's changeLog.read to another's changeLog.apply): concurrent edits of one memory
 * converge to the same winner everywhere with the loser kept in the history, a delete
 * travels as a tombstone and a concurrent edit does not bring the memory back, a relay
 * passes on entries it did not write, re-applied batches change nothing, and a forged or
 * forked entry is refused. Every store ends with the same digest and verifies.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/engine/engine.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import { MemoryError } from '../../src/errors.ts';
import { generateKey } from '../../src/security/cipher.ts';
import { type Clock, fixedClock } from '../../src/util/clock.ts';
import { tempDir } from '../../test-support/engine/e2e-engine.ts';

const dirs: Array<{ remove(): void }> = [];
const engines: StrataMemory[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((m) => m.close()));
  for (const dir of dirs.splice(0)) dir.remove();
});

function instance(clock: Clock, encryptionKey?: string): StrataMemory {
  const dir = tempDir('strata-apply-');
  dirs.push(dir);
  const memory = createMemory(
    {
      ...(encryptionKey ? { encryption: { key: encryptionKey } } : {}),
      dataDir: dir.path,
      store: { kind: 'sqlite', path: join(dir.path, 'strata.db') },
      embedder: { kind: 'hash' },
      log: { level: 'silent' },
    },
    { clock },
  );
  engines.push(memory);
  return memory;
}

/** Everything `from` holds for the user, applied on `to` in pages. */
async function send(from: StrataMemory, to: StrataMemory, userId: string, limit = 3): Promise<void> {
  for (let after = '0'; ; ) {
    const page = await from.changeLog.read(userId, after, limit);
    await to.changeLog.apply(userId, page.entries, page.keys, 'test');
    after = page.cursor;
    if (!page.more) return;
  }
}

async function both(a: StrataMemory, b: StrataMemory, userId: string) {
  await send(a, b, userId);
  await send(b, a, userId);
}

describe('applying a peer’s log', () => {
  it('resolves concurrent edits the same way on both sides and keeps the loser in the history', async () => {
    const clock = fixedClock('2025-03-01T10:00:00Z');
    const a = instance(clock);
    const b = instance(clock);
    const note = await a.add({ userId: 'alice', content: 'The meeting is on Monday' });
    await both(a, b, 'alice');
    expect((await b.get('alice', note.id)).content).toBe('The meeting is on Monday');
    // Both edit version 1 without seeing each other; b's edit is later in clock order.
    await a.update('alice', note.id, { content: 'The meeting is on Tuesday' });
    clock.advance(1_000);
    await b.update('alice', note.id, { content: 'The meeting is on Wednesday' });
    await both(a, b, 'alice');
    for (const side of [a, b]) {
      expect((await side.get('alice', note.id)).content).toBe('The meeting is on Wednesday');
      expect((await side.history('alice', note.id)).map((v) => [v.version, v.memory.content])).toEqual([
        [1, 'The meeting is on Monday'],
        [2, 'The meeting is on Tuesday'],
        [3, 'The meeting is on Wednesday'],
      ]);
    }
    expect(await a.changeLog.digest()).toEqual(await b.changeLog.digest());
    // A later local edit on the loser's side goes on from the merged version.
    clock.advance(1_000);
    const next = await a.update('alice', note.id, { importance: 0.9 });
    expect(next.version).toBe(4);
    await both(a, b, 'alice');
    expect(await a.changeLog.digest()).toEqual(await b.changeLog.digest());
    for (const side of [a, b]) expect((await side.changeLog.verify()).problems).toEqual([]);
  });

  it('propagates a delete as a tombstone that a concurrent edit does not undo', async () => {
    const clock = fixedClock('2025-03-01T10:00:00Z');
    const a = instance(clock);
    const b = instance(clock);
    const pin = await a.add({ userId: 'alice', content: 'my bank pin is 1234' });
    await both(a, b, 'alice');
    await a.delete('alice', pin.id);
    clock.advance(1_000);
    // b edits after a's delete in clock order, never having seen it.
    await b.update('alice', pin.id, { content: 'my bank pin is 9876' });
    await both(a, b, 'alice');
    for (const side of [a, b]) {
      await expect(side.get('alice', pin.id)).rejects.toMatchObject({ code: 'not_found' });
      const page = await side.changeLog.read('alice', '0', 100);
      // The forgotten text is gone from the log too; only headers remain.
      expect(page.entries.filter((e) => e.op !== 'delete').every((e) => e.payload === null)).toBe(true);
      expect((await side.changeLog.verify()).ok).toBe(true);
    }
    expect(await a.changeLog.digest()).toEqual(await b.changeLog.digest());
  });

  it('relays entries it did not write (a chain converges), and a batch applied twice changes nothing', async () => {
    const clock = fixedClock('2025-03-01T10:00:00Z');
    const [a, b, c] = [instance(clock), instance(clock), instance(clock)];
    for (let i = 0; i < 7; i++) {
      await a.add({ userId: 'alice', content: `note ${i} from a` });
      await c.add({ userId: 'alice', content: `note ${i} from c` });
      clock.advance(10);
    }
    await both(a, b, 'alice');
    await both(b, c, 'alice');
    await both(a, b, 'alice');
    const digests = await Promise.all([a, b, c].map((m) => m.changeLog.digest()));
    expect(digests[0]!.memories).toBe(14);
    expect(new Set(digests.map((d) => JSON.stringify(d))).size).toBe(1);
    const page = await a.changeLog.read('alice', '0', 100);
    const again = await c.changeLog.apply('alice', page.entries, page.keys, 'test');
    expect(again).toMatchObject({ applied: 0, duplicates: 14 });
    expect(await c.changeLog.digest()).toEqual(digests[2]);
  });

  it('relays sealed entries it cannot read to a peer that can', async () => {
    const clock = fixedClock('2025-03-01T10:00:00Z');
    const key = generateKey();
    const [a, relay, c] = [instance(clock, key), instance(clock), instance(clock, key)];
    const secret = await a.add({ userId: 'alice', content: 'my passport number is X1234567' });
    await send(a, relay, 'alice');
    const page = await relay.changeLog.read('alice', '0', 10);
    expect(page.entries[0]!.payload).not.toContain('X1234567');
    // The relay holds and verifies the entry but has no memory it could read.
    await expect(relay.get('alice', secret.id)).rejects.toMatchObject({ code: 'not_found' });
    expect((await relay.changeLog.verify()).ok).toBe(true);
    await send(relay, c, 'alice');
    expect((await c.get('alice', secret.id)).content).toBe('my passport number is X1234567');
    expect((await a.changeLog.digest()).log).toBe((await relay.changeLog.digest()).log);
  });

  it('refuses a forged entry and a forked chain', async () => {
    const clock = fixedClock('2025-03-01T10:00:00Z');
    const a = instance(clock);
    const b = instance(clock);
    await a.add({ userId: 'alice', content: 'I like tea' });
    const page = await a.changeLog.read('alice', '0', 10);
    const entry = page.entries[0]!;
    const forged = { ...entry, payload: entry.payload!.replace('tea', 'gin') };
    const refused = await b.changeLog.apply('alice', [forged], page.keys, 'test').catch((e: unknown) => e);
    expect(MemoryError.isInstance(refused) && refused.details.reason).toBe('tampered');
    await b.changeLog.apply('alice', page.entries, page.keys, 'test');
    // A second first entry of a's chain, validly signed by a, is a fork.
    const other = instance(clock);
    await other.add({ userId: 'alice', content: 'something else' });
    const foreign = await other.changeLog.read('alice', '0', 10);
    const spliced = { ...foreign.entries[0]!, instanceId: entry.instanceId };
    const fork = await b.changeLog.apply('alice', [spliced], page.keys, 'test').catch((e: unknown) => e);
    expect(MemoryError.isInstance(fork) && fork.code).toBe('integrity_error');
    expect((await b.changeLog.verify()).ok).toBe(true);
  });
});
