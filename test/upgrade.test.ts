/**
 * Upgrades between versions: every store file a released Strata wrote is kept in
 * test/fixtures (made by scripts/make-fixture-store.ts) and must open with this version
 * (migrations applied in place), keep its memories, versions and search, and take new
 * writes. Run on a copy, so the fixture itself never changes.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../src/engine/engine.ts';
import { LATEST_VERSION } from '../src/stores/sqlite/migrations.ts';
import { tempDir } from '../test-support/engine/e2e-engine.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures');
const stores = readdirSync(FIXTURES).filter((f) => /^store-v\d+\.db$/.test(f));

describe.each(stores)('a store written by an earlier version: %s', (file) => {
  const dir = tempDir('strata-upgrade-');
  afterEach(() => dir.remove());

  it('opens, upgrades to the current schema and keeps memories, history and search', async () => {
    const path = join(dir.path, 'strata.db');
    copyFileSync(join(FIXTURES, file), path);
    const memory = createMemory({
      dataDir: dir.path,
      store: { kind: 'sqlite', path },
      log: { level: 'error' },
    });
    try {
      const alice = await memory.search({ userId: 'alice', query: 'where do I live', k: 5 });
      const home = alice.find((r) => r.memory.content === 'I live in Berlin');
      expect(home).toBeDefined();
      const versions = await memory.history('alice', home!.memory.id);
      expect(versions.map((v) => v.memory.content)).toEqual(['I live in Munich', 'I live in Berlin']);
      const { context } = await memory.recall({
        userId: 'alice',
        messages: [{ role: 'user', content: 'when is my exam?' }],
      });
      expect(context).toMatch(/exam/);
      expect(context).not.toMatch(/sailing/);
      expect((await memory.search({ userId: 'bob', query: 'sailing' }))[0]?.memory.content).toBe(
        'I love sailing on the Baltic',
      );
      await memory.add({ userId: 'alice', content: 'I started learning the cello' });
      expect((await memory.search({ userId: 'alice', query: 'cello' }))[0]?.memory.content).toMatch(/cello/);
    } finally {
      await memory.close();
    }
    const db = new Database(path, { readonly: true });
    const { v } = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number };
    db.close();
    expect(v).toBe(LATEST_VERSION);
  });
});
