/**
 * The in-process keyword index (keywordIndex 'memory') against FTS5 on the same file: with
 * one user, per-user BM25 statistics equal FTS5's global ones, so both must return the same
 * ids in the same order with the same scores. Also checks the index follows every write
 * path: updates, deletes, deleteUser, restore, another connection's commit, key rotation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALICE, BOB, MODEL_A, memory } from '../../../test-support/stores/store-fixtures.ts';
import { createCipher, generateKey } from '../../security/cipher.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { PostingLists } from '../keyword-index/postings.ts';
import { SqliteStore } from './sqlite-store.ts';

const WORDS =
  'hike hiking berlin sister coffee garden paint painting bird birds dog trip visit lake mountain'.split(' ');

function sentence(seed: number): string {
  const out: string[] = [];
  for (let i = 0; i < 3 + (seed % 7); i++) out.push(WORDS[(seed * 7 + i * ((seed % 5) + 1)) % WORDS.length]!);
  return out.join(' ');
}

let dir: string;
let path: string;
const open: SqliteStore[] = [];

async function opened(keywordIndex: 'memory' | 'fts5', key?: string): Promise<SqliteStore> {
  const store = new SqliteStore({ path, keywordIndex, cipher: key ? createCipher(key) : null });
  await store.open({ model: MODEL_A });
  open.push(store);
  return store;
}

const ids = (rows: Array<{ id: string }>) => rows.map((r) => r.id);

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A file of 2,600 rows reopened with the memory index, its background build not yet done. */
async function reopenedWhileBuilding() {
  const seed = await opened('memory');
  const docs = Array.from({ length: 2600 }, (_, i) => memory({ content: sentence(i + 1) }));
  await seed.insert(docs.map((m) => ({ memory: m, vector: null })));
  await seed.close();
  const store = await opened('memory');
  const building = () =>
    (store as unknown as { indexes: { buildingKeywords: boolean } }).indexes.buildingKeywords;
  return { docs, store, building };
}

/** Ids matching the query, sorted. */
const query = async (s: SqliteStore, text: string) =>
  ids(await s.keywordSearch({ userId: ALICE }, parseKeywordQuery(text), 5000)).sort();

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-kwindex-'));
  path = join(dir, 'strata.db');
});

afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite in-process keyword index', () => {
  it('ranks like FTS5 BM25 for one user (same ids, order and scores)', async () => {
    const fts = await opened('fts5');
    const docs = Array.from({ length: 120 }, (_, i) => memory({ content: sentence(i + 1) }));
    await fts.insert(docs.map((m) => ({ memory: m, vector: null })));
    const mem = await opened('memory');
    const search = async (store: SqliteStore, text: string) =>
      store.keywordSearch({ userId: ALICE }, parseKeywordQuery(text), 200);
    for (const text of [
      'hiking',
      'berlin sister coffee',
      'painting AND birds',
      'dog -lake',
      'hike OR (garden AND NOT trip)',
    ]) {
      const a = await search(fts, text);
      const b = await search(mem, text);
      expect(b.length, text).toBeGreaterThan(0);
      expect(ids(b), text).toEqual(ids(a));
      for (const [i, row] of b.entries()) expect(row.score, text).toBeCloseTo(a[i]!.score, 6);
      // a small k exercises the early cut-off of common terms (flat-or.ts)
      const top = ids(await fts.keywordSearch({ userId: ALICE }, parseKeywordQuery(text), 3));
      expect(ids(await mem.keywordSearch({ userId: ALICE }, parseKeywordQuery(text), 3)), text).toEqual(top);
    }
    // FTS5 scores a phrase or a prefix as one unit; the shared evaluator scores their tokens,
    // so these agree on which rows match, not on the order.
    for (const text of ['"sister coffee"', 'bird*', 'montain~1']) {
      const a = await search(fts, text);
      expect(a.length, text).toBeGreaterThan(0);
      expect(ids(await search(mem, text)).sort(), text).toEqual(ids(a).sort());
    }
  });

  it('follows updates, deletes, restore, deleteUser and another connection’s writes', async () => {
    const mem = await opened('memory');
    const a = memory({ content: 'coffee in berlin' });
    const b = memory({ content: 'garden party', userId: BOB });
    await mem.insert([
      { memory: a, vector: null },
      { memory: b, vector: null },
    ]);
    const search = async (text: string, userId = ALICE) =>
      ids(await mem.keywordSearch({ userId }, parseKeywordQuery(text), 10));
    expect(await search('coffee')).toEqual([a.id]);
    expect(await search('garden')).toEqual([]);
    await mem.update([{ memory: { ...a, version: 2, content: 'tea in paris' }, op: 'update' }]);
    expect(await search('coffee')).toEqual([]);
    expect(await search('paris')).toEqual([a.id]);
    await mem.update([
      { memory: { ...a, version: 3, content: 'tea in paris', supersededBy: b.id }, op: 'update' },
    ]);
    expect(await search('paris')).toEqual([]);
    expect(
      ids(
        await mem.keywordSearch({ userId: ALICE, includeSuperseded: true }, parseKeywordQuery('paris'), 10),
      ),
    ).toEqual([a.id]);
    await mem.restore(
      [{ memory: { ...a, version: 4, content: 'coffee again', supersededBy: null }, vector: null }],
      [],
    );
    expect(await search('coffee')).toEqual([a.id]);
    expect(await search('paris')).toEqual([]);
    await expect(mem.delete(ALICE, [a.id])).resolves.toBe(1);
    expect(await search('coffee')).toEqual([]);
    expect(await search('garden', BOB)).toEqual([b.id]);
    await mem.deleteUser(BOB);
    expect(await search('garden', BOB)).toEqual([]);
    const other = await opened('fts5');
    const c = memory({ content: 'written by another process' });
    await other.insert([{ memory: c, vector: null }]);
    expect(await search('process')).toEqual([c.id]);
  });

  it('a failed transaction leaves the index unchanged', async () => {
    const mem = await opened('memory');
    const a = memory({ content: 'coffee in berlin' });
    await mem.insert([{ memory: a, vector: null }]);
    expect(await mem.keywordSearch({ userId: ALICE }, parseKeywordQuery('berlin'), 10)).toHaveLength(1);
    const fresh = memory({ content: 'zeppelin ride' });
    await expect(
      mem.insert([
        { memory: fresh, vector: null },
        { memory: a, vector: null },
      ]),
    ).rejects.toThrow();
    expect(await mem.keywordSearch({ userId: ALICE }, parseKeywordQuery('zeppelin'), 10)).toEqual([]);
  });

  it('uses blind tokens under encryption and follows key rotation', async () => {
    const oldKey = generateKey();
    const first = await opened('memory', oldKey);
    const a = memory({ content: 'secret garden in berlin' });
    await first.insert([{ memory: a, vector: null }]);
    expect(ids(await first.keywordSearch({ userId: ALICE }, parseKeywordQuery('garden'), 10))).toEqual([
      a.id,
    ]);
    await first.close();
    const newKey = generateKey();
    const rotated = new SqliteStore({ path, keywordIndex: 'memory', cipher: createCipher(newKey, [oldKey]) });
    open.push(rotated);
    await rotated.open({ model: MODEL_A });
    await rotated.rotateKeys();
    expect(ids(await rotated.keywordSearch({ userId: ALICE }, parseKeywordQuery('berlin'), 10))).toEqual([
      a.id,
    ]);
  });

  it('builds in the background after open, in step with writes made meanwhile', async () => {
    const { docs, store, building } = await reopenedWhileBuilding();
    await turn();
    await turn();
    expect(building()).toBe(true);
    // writes while the build is partway: rows behind and ahead of its cursor deleted, a new
    // row, and another user's row
    await store.delete(ALICE, [docs[1]!.id, docs[2500]!.id]);
    const late = memory({ content: 'zeppelin lake' });
    await store.insert([
      { memory: late, vector: null },
      { memory: memory({ userId: BOB, content: 'zeppelin' }), vector: null },
    ]);
    for (let i = 0; i < 20 && building(); i++) await turn();
    expect(building()).toBe(false);
    const search = (text: string) => store.keywordSearch({ userId: ALICE }, parseKeywordQuery(text), 3000);
    expect(ids(await search('zeppelin'))).toEqual([late.id]);
    const lake = ids(await search('lake'));
    expect(lake).toContain(late.id);
    expect(lake).not.toContain(docs[2500]!.id);
    const first = sentence(2).split(' ')[0]!;
    expect(ids(await search(first))).not.toContain(docs[1]!.id);
    // the same answers as FTS5 on the same file (built in one go)
    const fts = await opened('fts5');
    expect(lake.sort()).toEqual(
      ids(await fts.keywordSearch({ userId: ALICE }, parseKeywordQuery('lake'), 3000)).sort(),
    );
    // a search right after open finishes the build first
    await store.close();
    const again = await opened('memory');
    expect(ids(await again.keywordSearch({ userId: ALICE }, parseKeywordQuery('lake'), 3000)).sort()).toEqual(
      lake,
    );
  });

  it('the background build covers the rows present at open and never re-indexes a row written meanwhile', async () => {
    const { docs, store, building } = await reopenedWhileBuilding();
    // before the build's first step: new rows past its end, and an update ahead of its cursor
    const fresh = Array.from({ length: 1200 }, (_, i) => memory({ content: `quokka ${sentence(i + 7)}` }));
    await store.insert(fresh.map((m) => ({ memory: m, vector: null })));
    const moved = docs[2550]!;
    await store.update([{ memory: { ...moved, version: 2, content: 'narwhal lake' }, op: 'update' }]);
    // a re-indexed row is removed first, and removal drops it from every term's postings
    const drop = vi.spyOn(PostingLists.prototype, 'drop');
    try {
      for (let i = 0; i < 20 && building(); i++) await turn();
      expect(building()).toBe(false);
      expect(drop).not.toHaveBeenCalled();
    } finally {
      drop.mockRestore();
    }
    expect(await query(store, 'narwhal')).toEqual([moved.id]);
    expect(await query(store, 'quokka')).toEqual(fresh.map((m) => m.id).sort());
    const fts = await opened('fts5');
    for (const text of ['lake', 'hiking OR coffee', 'quokka garden']) {
      expect(await query(store, text)).toEqual(await query(fts, text));
    }
  });

  it('drops a background build when another connection commits during it, and rebuilds on search', async () => {
    const { docs, store, building } = await reopenedWhileBuilding();
    await turn();
    expect(building()).toBe(true);
    const other = await opened('fts5');
    const late = memory({ content: 'written by another process' });
    await other.delete(ALICE, [docs[2500]!.id]);
    await other.insert([{ memory: late, vector: null }]);
    await turn();
    await turn();
    expect(building()).toBe(false);
    expect(await query(store, 'process')).toEqual([late.id]);
    expect(await query(store, 'lake')).not.toContain(docs[2500]!.id);
    expect(await query(store, 'lake')).toEqual(await query(other, 'lake'));
  });
});
