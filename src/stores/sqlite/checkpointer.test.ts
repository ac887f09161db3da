/**
 * The background WAL checkpointer on a real file: once started it keeps the WAL bounded
 * while the store writes far more than the WAL could hold, the store's own automatic
 * checkpoint is only a backstop meanwhile, nothing written is lost, and close leaves no WAL.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memory, vec } from '../../../test-support/stores/store-fixtures.ts';
import { BACKSTOP_PAGES, START_AFTER_WRITES, WalCheckpointer } from './checkpointer.ts';
import { SqliteStore } from './sqlite-store.ts';

const MODEL = { id: 'suite-model-a', dimensions: 8 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-checkpoint-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const walBytes = (path: string) => (existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A quiet moment between bursts of writes: long enough for the worker's checkpoint to finish (at most 2 s). */
async function settle(store: SqliteStore): Promise<void> {
  const checkpointer = (store as unknown as { checkpointer: { busy: boolean } }).checkpointer;
  await pause(20);
  for (let waited = 0; checkpointer.busy && waited < 2_000; waited += 10) await pause(10);
}

describe('background WAL checkpoints', () => {
  it('keep the WAL bounded off the commit path and lose nothing', async () => {
    const path = join(dir, 'store.db');
    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    const padding = 'x'.repeat(2_000);
    const ids: string[] = [];
    let largestWal = 0;
    // 400 transactions of 20 memories (~2 KB each, stored three times: row, version, log):
    // ~50 MB through the WAL, far above the backstop of BACKSTOP_PAGES pages.
    for (let t = 0; t < 400; t += 1) {
      const batch = Array.from({ length: 20 }, () => {
        const m = memory({ content: `note ${t} ${padding}` });
        ids.push(m.id);
        return { memory: m, vector: vec(1, t % 7) };
      });
      await store.insert(batch);
      if (t % 10 === 0) await settle(store);
      largestWal = Math.max(largestWal, walBytes(path));
    }
    // With only the backstop the WAL would grow to ~40 MB before the first checkpoint.
    expect(largestWal).toBeLessThan((BACKSTOP_PAGES * 4096) / 4);
    const internals = store as unknown as {
      checkpointer: { running: boolean; checkpoints: number };
      c: { db: Database.Database };
    };
    expect(internals.c.db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
    expect(internals.checkpointer.running).toBe(true);
    expect(internals.checkpointer.checkpoints).toBeGreaterThan(5);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);

    const db = new Database(path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT COUNT(*) AS n FROM memories').get() as { n: number }).n).toBe(ids.length);
    db.close();
  });

  it('never starts for a short-lived process', async () => {
    const path = join(dir, 'short.db');
    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    for (let t = 0; t < START_AFTER_WRITES - 2; t += 1)
      await store.insert([{ memory: memory(), vector: vec(1) }]);
    const internals = store as unknown as { checkpointer: { running: boolean } };
    expect(internals.checkpointer.running).toBe(false);
    await store.close();
  });

  it('exits when idle, the store checkpointing itself, and starts again when writes resume', async () => {
    const path = join(dir, 'idle.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x TEXT)');
    const insert = db.prepare('INSERT INTO t VALUES (?)');
    const errors: Error[] = [];
    const checkpointer = new WalCheckpointer(db, path, (e) => errors.push(e), 150);
    const burst = async () => {
      for (let i = 0; i < START_AFTER_WRITES + 8; i += 1) {
        insert.run('x'.repeat(4_000));
        checkpointer.wrote();
      }
      for (let waited = 0; checkpointer.busy && waited < 2_000; waited += 10) await pause(10);
    };
    await burst();
    expect(checkpointer.running).toBe(true);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(BACKSTOP_PAGES);
    for (let waited = 0; checkpointer.running && waited < 3_000; waited += 25) await pause(25);
    expect(checkpointer.running).toBe(false);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1_000);
    const before = checkpointer.checkpoints;
    await burst();
    expect(checkpointer.running).toBe(true);
    expect(checkpointer.checkpoints).toBeGreaterThan(before);
    await checkpointer.close();
    expect(errors).toEqual([]);
    expect((db.prepare('SELECT COUNT(*) AS n FROM t').get() as { n: number }).n).toBe(
      2 * (START_AFTER_WRITES + 8),
    );
    db.close();
  });
});
