/**
 * Bulk writes and the signed change log: a batch insert reads and writes the clock and
 * chain heads once (SqliteChangeLog.batch) and gives each row its entry's hash in the INSERT
 * itself. After a large insert, an update batch and a delete batch across two users, the log
 * verifies (every chain links, every memory's state is its entries'), each row names the
 * entry of its current state, and a duplicate id rolls the whole batch back, entries included.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memory, vec } from '../../../test-support/stores/store-fixtures.ts';
import { ConflictError } from '../../errors.ts';
import { SqliteStore } from './sqlite-store.ts';

const MODEL = { id: 'suite-model-a', dimensions: 8 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-bulk-log-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function rows(path: string, sql: string): unknown[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

describe('bulk writes and the change log', () => {
  it('700 inserts, 50 updates and deletes of the last rows of one user leave a log that verifies', async () => {
    const path = join(dir, 'bulk.db');
    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    const written = Array.from({ length: 700 }, (_, i) =>
      memory({ userId: i % 3 === 0 ? 'bob' : 'alice', content: `note number ${i}` }),
    );
    await store.insert(written.map((m, i) => ({ memory: m, vector: vec(1, i % 7) })));
    await store.update(
      written.slice(0, 50).map((m) => ({
        memory: { ...m, content: `${m.content}, revised`, version: m.version + 1 },
        op: 'update' as const,
      })),
    );
    const gone = written.slice(600).filter((m) => m.userId === 'alice');
    expect(
      await store.delete(
        'alice',
        gone.map((m) => m.id),
      ),
    ).toBe(gone.length);
    const report = await store.changeLog!.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(700 + 50 + gone.length);
    expect(report.users).toBe(2);
    await store.close();

    // Each chain's head is its last entry, and each row points at the entry of its state.
    const heads = rows(path, 'SELECT user_id, seq FROM sync_heads ORDER BY user_id') as Array<{
      seq: number;
    }>;
    const perUser = rows(
      path,
      'SELECT COUNT(*) AS n FROM sync_log GROUP BY user_id ORDER BY user_id',
    ) as Array<{
      n: number;
    }>;
    expect(heads.map((h) => h.seq)).toEqual(perUser.map((p) => p.n));
    const unmarked = rows(
      path,
      'SELECT m.id FROM memories m LEFT JOIN sync_log l ON l.hash = m.log_hash WHERE l.hash IS NULL OR l.memory_id != m.id',
    );
    expect(unmarked).toEqual([]);
    const revised = rows(
      path,
      "SELECT l.op FROM memories m JOIN sync_log l ON l.hash = m.log_hash WHERE m.content LIKE '%revised'",
    ) as Array<{ op: string }>;
    expect(revised).toHaveLength(50);
    expect(new Set(revised.map((r) => r.op))).toEqual(new Set(['update']));
  });

  it('a duplicate id in a batch rolls back every row and entry of it; the log still verifies', async () => {
    const path = join(dir, 'dup.db');
    const store = new SqliteStore({ path });
    await store.open({ model: MODEL });
    const first = memory({ content: 'first' });
    await store.insert([{ memory: first, vector: vec(1) }]);
    const batch = [
      memory({ content: 'fresh one' }),
      { ...first, content: 'same id again' },
      memory({ content: 'after' }),
    ];
    await expect(store.insert(batch.map((m) => ({ memory: m, vector: vec(2) })))).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect((await store.changeLog!.verify()).ok).toBe(true);
    expect((await store.changeLog!.verify()).entries).toBe(1);
    await store.insert([{ memory: batch[2]!, vector: vec(3) }]);
    const report = await store.changeLog!.verify();
    expect(report.ok).toBe(true);
    expect(report.entries).toBe(2);
    expect((await store.get(first.userId, first.id))?.content).toBe('first');
    await store.close();
  });
});
