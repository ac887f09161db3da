/**
 * The FTS5 translation: user text can never become FTS syntax (every hostile query runs
 * without an SQLite error against a real store), and the emitted MATCH strings quote every
 * token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memory } from '../../../test-support/stores/store-fixtures.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { toFtsMatch } from './fts-query.ts';
import { SqliteStore } from './sqlite-store.ts';

const ctx = { cipher: null, userId: 'u', vocabulary: () => ['berlin', 'berlins', 'bern', 'hik'] };

describe('toFtsMatch', () => {
  it('quotes every token and composes AND / OR / NOT', () => {
    expect(toFtsMatch(parseKeywordQuery('hiking AND NOT "new york"').ast!, ctx)).toBe(
      '("hik" NOT "new york")',
    );
    expect(toFtsMatch(parseKeywordQuery('berlin paris').ast!, ctx)).toBe('("berlin" OR "paris")');
    expect(toFtsMatch(parseKeywordQuery('hik*').ast!, ctx)).toBe('"hik"*');
    expect(toFtsMatch(parseKeywordQuery('berlim~1').ast!, ctx)).toBe('("berlim" OR "berlin")');
    expect(toFtsMatch(parseKeywordQuery('-berlin').ast!, ctx)).toBeNull();
  });

  it('runs hostile queries against a real FTS5 index without errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-fts-'));
    const store = new SqliteStore({ path: join(dir, 'fts.db'), keywordIndex: 'fts5' });
    try {
      await store.open({ model: { id: 'm', dimensions: 8 } });
      const m = memory({ content: 'NEAR the "quoted" column:value and stars * here' });
      await store.insert([{ memory: m, vector: null }]);
      const hostile = [
        'NEAR(a b)',
        'column:value',
        '"unbalanced',
        '* OR *',
        '^start',
        'a"b"c',
        '{col1 col2}: x',
        "'; DROP TABLE memories; --",
        'AND OR NOT ( ) " * ~ -',
        'stars* quot* colu~ near~2',
        '\u0000\ud800',
      ];
      for (const text of hostile) {
        await expect(
          store.keywordSearch({ userId: m.userId }, parseKeywordQuery(text), 5),
        ).resolves.toBeInstanceOf(Array);
      }
      const hits = await store.keywordSearch({ userId: m.userId }, parseKeywordQuery('column:value'), 5);
      expect(hits.map((h) => h.id)).toEqual([m.id]);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
