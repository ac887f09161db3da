/**
 * SQLite-specific durability tests: a writer process killed with SIGKILL mid-stream leaves
 * a consistent file containing every acknowledged batch (and no half batch); migrations
 * upgrade an older schema in place; a newer schema is refused; online backup is usable.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWriterUntilKilled } from '../../../test-support/stores/kill-writer.ts';
import { memory, vec } from '../../../test-support/stores/store-fixtures.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { currentVersion, LATEST_VERSION, migrate } from './migrations.ts';
import { SqliteStore } from './sqlite-store.ts';

const MODEL = { id: 'suite-model-a', dimensions: 8 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-durability-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('sqlite crash safety', () => {
  it('SIGKILL during writes: reopen is consistent and every acked batch is present', async () => {
    const path = join(dir, 'crash.db');
    const script = new URL('../../../test-support/process/sqlite-crash-writer.ts', import.meta.url).pathname;
    const { acked, stderr } = await runWriterUntilKilled(script, [path], 40);
    expect(acked.length, `writer failed to start: ${stderr}`).toBeGreaterThanOrEqual(40);

    const db = new Database(path);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const perBatch = new Map<number, number>();
    for (const row of db.prepare('SELECT id FROM memories').all() as Array<{ id: string }>) {
      const batch = Number(row.id.split('-')[0]!.slice(1));
      perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
    }
    for (const batch of acked) expect(perBatch.get(batch), `acked batch ${batch}`).toBe(25);
    for (const count of perBatch.values()) expect(count).toBe(25); // no half-written batch
    const orphans = db
      .prepare('SELECT COUNT(*) AS n FROM versions WHERE memory_id NOT IN (SELECT id FROM memories)')
      .get() as { n: number };
    expect(orphans.n).toBe(0);
    db.close();

    const store = new SqliteStore({ path });
    await store.open({ model: { id: 'crash-model', dimensions: 8 } });
    const last = acked.at(-1)!;
    const found = await store.get(`user-${last % 3}`, `b${last}-m0`);
    expect(found?.metadata).toEqual({ batch: last });
    expect((await store.keywordSearch({ userId: 'user-0' }, parseKeywordQuery('lorem'), 5)).length).toBe(5);
    await store.close();
  });
});

describe('sqlite migrations', () => {
  it('upgrades a version-1 file in place and backfills the keyword index', async () => {
    const path = join(dir, 'old.db');
    const db = new Database(path);
    migrate({ db, reindexAll: () => undefined }, path, 1);
    expect(currentVersion(db)).toBe(1);
    const m = memory({ content: 'written by an older Strata about volcanoes' });
    db.prepare(
      `INSERT INTO memories (id, user_id, layer, created_at, updated_at, version, superseded_by, importance, strength,
       access_count, last_accessed_at, embedding_model, sources, links, content, metadata, key_id, bytes)
       VALUES (?, ?, ?, ?, ?, 1, NULL, 0.5, 1, 0, NULL, NULL, '[]', '[]', ?, '{}', NULL, 10)`,
    ).run(m.id, m.userId, m.layer, m.createdAt, m.updatedAt, m.content);
    db.close();

    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    const hits = await store.keywordSearch({ userId: m.userId }, parseKeywordQuery('volcano'), 5);
    expect(hits.map((h) => h.id)).toEqual([m.id]);
    await store.close();
    const check = new Database(path);
    expect(currentVersion(check)).toBe(LATEST_VERSION);
    expect((check.prepare('SELECT COUNT(*) AS n FROM schema_version').get() as { n: number }).n).toBe(
      LATEST_VERSION,
    );
    check.close();
  });

  it('refuses a file from a newer Strata', async () => {
    const path = join(dir, 'new.db');
    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    await store.close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(LATEST_VERSION + 1, 'x');
    db.close();
    await expect(new SqliteStore({ path }).open({ model: MODEL })).rejects.toThrow(/newer than this Strata/);
  });
});

describe('sqlite operations', () => {
  it('uses WAL and foreign keys, and backup() makes a usable copy while open', async () => {
    const path = join(dir, 'live.db');
    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    const m = memory({ content: 'backed up fact' });
    await store.insert([{ memory: m, vector: vec(1) }]);
    const copy = await store.backup(join(dir, 'copy.db'));
    await store.close();
    const raw = new Database(path);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    const restored = new SqliteStore({ path: copy });
    await restored.open({ model: MODEL });
    expect(await restored.get(m.userId, m.id)).toEqual(m);
    expect((await restored.vectorSearch({ userId: m.userId }, vec(1), 1))[0]?.id).toBe(m.id);
    await restored.close();
  });
});

describe('sqlite with two connections', () => {
  it('a vector search sees vectors another connection (process) wrote after open', async () => {
    const path = join(dir, 'shared.db');
    const server = new SqliteStore({ path });
    const cli = new SqliteStore({ path });
    await server.open({ model: MODEL });
    await cli.open({ model: MODEL });
    const m = memory({ content: 'added from the CLI' });
    await cli.insert([{ memory: m, vector: vec(1) }]);
    expect((await server.vectorSearch({ userId: m.userId }, vec(1), 5)).map((r) => r.id)).toEqual([m.id]);
    await cli.delete(m.userId, [m.id]);
    expect(await server.vectorSearch({ userId: m.userId }, vec(1), 5)).toEqual([]);
    await cli.close();
    await server.close();
  });
});

describe('sqlite model tagging', () => {
  it('an interrupted re-embed (vectors of two models) is refused until reembed finishes', async () => {
    const path = join(dir, 'mixed.db');
    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    const a = memory();
    const b = memory();
    await store.insert([
      { memory: a, vector: vec(1) },
      { memory: b, vector: vec(0, 1) },
    ]);
    await store.close();
    const NEW = { id: 'suite-model-b', dimensions: 8 };
    await store.open({ model: NEW, allowModelChange: true });
    await store.replaceVectors([{ userId: a.userId, id: a.id, vector: vec(1, 1) }], NEW); // b not yet re-embedded
    await store.close();
    await expect(store.open({ model: NEW })).rejects.toThrow(/suite-model-a.*suite-model-b|reembed/s);
    await store.open({ model: NEW, allowModelChange: true });
    await store.replaceVectors([{ userId: b.userId, id: b.id, vector: vec(1, 2) }], NEW);
    await store.close();
    await store.open({ model: NEW });
    expect(await store.storedModel()).toEqual(NEW);
    await store.close();
  });
});
