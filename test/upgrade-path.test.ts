/**
 * The upgrade path itself, on real data: test/upgrade.test.ts opens the kept store files,
 * which this version wrote at the latest schema, so no migration runs there. Here each
 * older schema is rebuilt from the newest fixture by undoing what the later migrations add
 * (v2: the FTS5 keyword tables; v3: user_state; v4: the change log) and removing their schema_version rows,
 * which is exactly what a file written before those migrations holds. Opening such a copy
 * with the current code must run the missing migrations in order (v1 → v2 re-indexes every
 * memory's keywords from its content), record them, and leave memories, history, keyword
 * and hybrid search, recall and new writes working.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import { LATEST_VERSION } from '../src/stores/sqlite/migrations.ts';
import { tempDir } from '../test-support/engine/e2e-engine.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const newest = readdirSync(FIXTURES)
  .filter((f) => /^store-v\d+\.db$/.test(f))
  .sort((a, b) => Number(/\d+/.exec(b)?.[0]) - Number(/\d+/.exec(a)?.[0]))[0];

/** What each migration after v1 adds, undone: the file as a Strata before it wrote it. */
const UNDO: Record<number, string> = {
  2: 'DROP TABLE memories_vocab; DROP TABLE memories_fts;',
  3: 'DROP TABLE user_state;',
  4: `DROP TABLE sync_log; DROP TABLE sync_heads; DROP TABLE sync_keys; DROP TABLE sync_peers;
      ALTER TABLE memories DROP COLUMN log_hash; DELETE FROM meta WHERE key IN ('log_hlc', 'log_backfill');`,
};

function downgrade(path: string, to: number): void {
  const db = new Database(path);
  try {
    const { v } = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number };
    for (let version = v; version > to; version--) {
      const undo = UNDO[version];
      if (undo === undefined) throw new Error(`no undo for schema ${version}: add it to UNDO`);
      db.exec(undo);
      db.prepare('DELETE FROM schema_version WHERE version = ?').run(version);
    }
  } finally {
    db.close();
  }
}

function schemaOf(path: string): { versions: number[]; tables: string[] } {
  const db = new Database(path, { readonly: true });
  try {
    const versions = (
      db.prepare('SELECT version FROM schema_version ORDER BY version').all() as Array<{ version: number }>
    ).map((row) => row.version);
    const tables = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string;
      }>
    ).map((row) => row.name);
    return { versions, tables };
  } finally {
    db.close();
  }
}

const older = Array.from({ length: LATEST_VERSION - 1 }, (_, i) => i + 1);

describe.skipIf(!newest).each(older)('a store at schema v%i, upgraded on open', (from) => {
  const dir = tempDir('strata-upgrade-path-');
  afterEach(() => dir.remove());

  it('applies the later migrations in order and keeps memories, history, search and writes', async () => {
    const path = join(dir.path, 'strata.db');
    copyFileSync(join(FIXTURES, newest!), path);
    downgrade(path, from);
    expect(schemaOf(path).versions.at(-1)).toBe(from);

    // fts5: keyword search then reads the memories_fts table that migration 2 fills.
    const memory = createMemory({
      dataDir: dir.path,
      store: { kind: 'sqlite', path, keywordIndex: 'fts5' },
      log: { level: 'error' },
    });
    try {
      const keyword = await memory.search({ userId: 'alice', query: 'Berlin', mode: 'keyword', k: 5 });
      expect(keyword.map((r) => r.memory.content)).toContain('I live in Berlin');
      expect(await memory.search({ userId: 'alice', query: 'Baltic', mode: 'keyword' })).toEqual([]);
      const hybrid = await memory.search({ userId: 'alice', query: 'where do I live', k: 5 });
      const home = hybrid.find((r) => r.memory.content === 'I live in Berlin');
      expect(home).toBeDefined();
      expect((await memory.history('alice', home!.memory.id)).map((v) => v.memory.content)).toEqual([
        'I live in Munich',
        'I live in Berlin',
      ]);
      const { context } = await memory.recall({
        userId: 'alice',
        messages: [{ role: 'user', content: 'when is my exam?' }],
      });
      expect(context).toMatch(/exam/);
      await memory.add({ userId: 'alice', content: 'I started learning the cello' });
      const cello = await memory.search({ userId: 'alice', query: 'cello', mode: 'keyword' });
      expect(cello[0]?.memory.content).toBe('I started learning the cello');
    } finally {
      await memory.close();
    }

    const after = schemaOf(path);
    expect(after.versions).toEqual(Array.from({ length: LATEST_VERSION }, (_, i) => i + 1));
    expect(after.tables).toEqual(expect.arrayContaining(['memories_fts', 'user_state']));
  });
});
