/**
 * Common-term pruning of keyword queries (common-terms.ts) on a real SQLite file: FTS5's
 * row count is decoded from its averages record, and a query whose common term is pruned
 * returns the same ids in the same order as FTS5 ranking the full query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newMemory } from '../../records.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { CommonTerms, ftsRowCount } from './common-terms.ts';
import { toFtsMatch } from './fts-query.ts';
import * as reads from './sqlite-reads.ts';
import { SqliteStore } from './sqlite-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const WORDS = ['apple', 'river', 'guitar', 'castle', 'pepper', 'lantern', 'meadow', 'violin'];

async function seeded(rows: number): Promise<SqliteStore> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-common-'));
  dirs.push(dir);
  const store = new SqliteStore({ path: join(dir, 's.db'), keywordIndex: 'fts5' });
  await store.open({ model: { id: 'test-model', dimensions: 4 } });
  const now = new Date(Date.UTC(2026, 0, 1)).toISOString();
  const records = Array.from({ length: rows }, (_, i) => ({
    memory: newMemory(
      {
        userId: 'u',
        layer: 'episodic',
        // "user" is in every row; the other words in a few rows each, some twice.
        content: `User: ${WORDS[i % WORDS.length]} ${i % 3 === 0 ? WORDS[(i * 7) % WORDS.length] : ''} row ${i}`,
      },
      now,
      null,
    ),
    vector: null,
  }));
  await store.insert(records);
  return store;
}

describe('common-term pruning', () => {
  it('reads the FTS5 row count from the averages record', async () => {
    const store = await seeded(300);
    const c = (store as unknown as { c: Parameters<typeof ftsRowCount>[0] }).c;
    expect(ftsRowCount(c)).toBe(300);
  });

  it('drops only terms in half of all rows and ranks like the full query', async () => {
    const store = await seeded(400);
    const c = (store as unknown as { c: Parameters<typeof ftsRowCount>[0] }).c;
    const ast = parseKeywordQuery('user apple river').ast!;
    const pruned = new CommonTerms().prune(c, ast, 0);
    const children = ast.type === 'or' ? ast.children : [];
    expect(pruned).toEqual({ type: 'or', children: children.slice(1) });
    const full = toFtsMatch(ast, { cipher: null, userId: 'u', vocabulary: () => [] })!;
    const expected = reads.keywordRows(c, null, { userId: 'u' }, full, 10);
    const actual = await store.keywordSearch({ userId: 'u' }, { raw: 'user apple river', ast }, 10);
    expect(actual.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    for (const [i, row] of actual.entries()) expect(row.score).toBeCloseTo(expected[i]!.score, 4);
    // Fewer than k rows without the common term: the full query answers (all rows match).
    const wide = await store.keywordSearch(
      { userId: 'u' },
      { raw: 'user apple', ast: parseKeywordQuery('user apple').ast! },
      200,
    );
    expect(wide).toHaveLength(200);
    await store.close();
  });

  it('keeps a query whose terms are all common or all rare', async () => {
    const store = await seeded(100);
    const c = (store as unknown as { c: Parameters<typeof ftsRowCount>[0] }).c;
    const terms = new CommonTerms();
    expect(terms.prune(c, parseKeywordQuery('user row').ast!, 0)).toBeNull();
    expect(terms.prune(c, parseKeywordQuery('apple river').ast!, 0)).toBeNull();
    await store.close();
  });
});
