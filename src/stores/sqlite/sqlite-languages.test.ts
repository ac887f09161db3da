/**
 * Keyword tokens per language on the SQLite store, both search paths (FTS5 and the
 * in-process index): a memory is indexed in its metadata.language, the rebuild at open
 * reads that language back, and a file indexed by the previous tokenizer (fts_key without
 * the tokenizer version) is reindexed once at open.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, MODEL_A, memory } from '../../../test-support/stores/store-fixtures.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { TOKENIZER_VERSION } from '../../text/tokenize.ts';
import { SqliteStore } from './sqlite-store.ts';

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-lang-'));
  path = join(dir, 'strata.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function opened(keywordIndex: 'memory' | 'fts5'): Promise<SqliteStore> {
  const store = new SqliteStore({ path, keywordIndex });
  await store.open({ model: MODEL_A });
  return store;
}

const german = memory({ content: 'Ich habe zwei Katzen gekauft', metadata: { language: 'de' } });
const japanese = memory({ content: '昨日、東京で友達と寿司を食べました。', metadata: { language: 'ja' } });

async function found(store: SqliteStore, text: string, languages: Array<'de' | 'ja' | 'en'>) {
  const hits = await store.keywordSearch({ userId: ALICE }, parseKeywordQuery(text, { languages }), 10);
  return hits.map((h) => h.id);
}

describe.each(['fts5', 'memory'] as const)('SQLite keyword tokens per language (%s)', (mode) => {
  it('indexes a memory in its language and finds it after a reopen', async () => {
    const first = await opened(mode);
    await first.insert([german, japanese].map((m) => ({ memory: m, vector: null })));
    expect(await found(first, 'Katze', ['de'])).toEqual([german.id]);
    expect(await found(first, '寿司', ['ja'])).toEqual([japanese.id]);
    await first.close();
    const second = await opened(mode);
    expect(await found(second, 'Katzen', ['de'])).toEqual([german.id]);
    // English stems of the same word are not what the German memory holds.
    expect(await found(second, 'Katzen', ['en'])).toEqual([]);
    expect(await found(second, '寿司', ['ja'])).toEqual([japanese.id]);
    await second.close();
  });

  it('reindexes a file written by the previous tokenizer once at open', async () => {
    const first = await opened(mode);
    await first.insert([{ memory: japanese, vector: null }]);
    await first.close();
    // What version 1 left: the whole sentence as one token, and the bare key id.
    const db = new Database(path);
    const { rowid } = db.prepare('SELECT rowid FROM memories WHERE id = ?').get(japanese.id) as {
      rowid: number;
    };
    db.prepare('DELETE FROM memories_fts WHERE rowid = ?').run(rowid);
    db.prepare('INSERT INTO memories_fts (rowid, terms) VALUES (?, ?)').run(
      rowid,
      '昨日 東京で友達と寿司を食べました',
    );
    db.prepare("UPDATE meta SET value = 'plain' WHERE key = 'fts_key'").run();
    db.close();
    const second = await opened('fts5');
    expect(await found(second, '寿司', ['ja'])).toEqual([japanese.id]);
    await second.close();
    const check = new Database(path, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'fts_key'").get()).toEqual({
      value: `plain+tokens${TOKENIZER_VERSION}`,
    });
    check.close();
  });
});
