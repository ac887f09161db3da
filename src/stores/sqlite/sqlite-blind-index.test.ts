/**
 * The blind keyword index keyed per user, on the SQLite store: two users storing the same
 * word get different tokens in the raw FTS vocabulary, each still finds their own memory
 * (FTS5 and the in-process index), and a store written with the old scheme (one blind key
 * for every user; its tokens written here the way that code did) is reindexed at open and
 * searchable, with no old token left. The FTS table is kept only in fts5 mode: a memory-mode
 * store empties it and writes without it, and an fts5 store (reopened, or open beside it)
 * rebuilds it before it searches.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memory, vec } from '../../../test-support/stores/store-fixtures.ts';
import { createCipher, generateKey } from '../../security/cipher.ts';
import { parseKeywordQuery } from '../../text/query-parser.ts';
import { tokenize } from '../../text/tokenize.ts';
import { tokensKey } from '../shared/tokens-key.ts';
import { FTS_NOT_KEPT } from './sqlite-maintenance.ts';
import { SqliteStore } from './sqlite-store.ts';

const MODEL = { id: 'suite-model-a', dimensions: 8 };
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-blind-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The blind token of the first scheme: one HMAC key (HKDF of the key) for every user. */
function oldBlindToken(key: string, token: string): string {
  const blind = Buffer.from(
    hkdfSync('sha256', Buffer.from(key, 'base64'), 'strata', 'strata/blind-index', 32),
  );
  return `b${createHmac('sha256', blind).update(token, 'utf8').digest('hex').slice(0, 24)}`;
}

function vocabulary(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT term FROM memories_vocab').all() as Array<{ term: string }>).map(
      (r) => r.term,
    );
  } finally {
    db.close();
  }
}

async function ids(store: SqliteStore, userId: string, query: string): Promise<string[]> {
  return (await store.keywordSearch({ userId }, parseKeywordQuery(query), 5)).map((r) => r.id);
}

const alice = memory({ id: 'a1', userId: 'alice', content: 'Weekend trip to Ljubljana' });
const bob = memory({ id: 'b1', userId: 'bob', content: 'Moving to Ljubljana in May' });

describe.each(['fts5', 'memory'] as const)(
  'sqlite blind index per user (%s keyword index)',
  (keywordIndex) => {
    it('gives two users different tokens for the same word; each finds their own memory', async () => {
      const key = generateKey();
      const cipher = createCipher(key);
      const path = join(dir, 'enc.db');
      const store = new SqliteStore({ path, cipher, keywordIndex });
      await store.open({ model: MODEL });
      await store.insert([
        { memory: alice, vector: vec(1) },
        { memory: bob, vector: vec(2) },
      ]);
      const [word] = tokenize('Ljubljana');
      const terms = vocabulary(path);
      if (keywordIndex === 'fts5') {
        expect(terms).toContain(cipher.blindToken('alice', word!));
        expect(terms).toContain(cipher.blindToken('bob', word!));
      } else {
        expect(terms).toEqual([]);
      }
      expect(cipher.blindToken('alice', word!)).not.toBe(cipher.blindToken('bob', word!));
      expect(terms).not.toContain(oldBlindToken(key, word!));
      expect(await ids(store, 'alice', 'ljubljana')).toEqual(['a1']);
      expect(await ids(store, 'bob', 'ljubljana')).toEqual(['b1']);
      expect(await ids(store, 'bob', '"moving to ljubljana"')).toEqual(['b1']);
      await store.close();
    });

    it('rebuilds a store written with the old shared blind key at open, and it is searchable', async () => {
      const key = generateKey();
      const cipher = createCipher(key);
      const path = join(dir, 'old.db');
      const writer = new SqliteStore({ path, cipher, keywordIndex: 'fts5' });
      await writer.open({ model: MODEL });
      await writer.insert([
        { memory: alice, vector: vec(1) },
        { memory: bob, vector: vec(2) },
      ]);
      await writer.close();

      // Make it what the old code wrote: every row's terms under the one shared key, and the
      // meta tag of that time (the bare key id).
      const db = new Database(path);
      const rows = db.prepare('SELECT rowid, id FROM memories').all() as Array<{ rowid: number; id: string }>;
      const plain = new Map([alice, bob].map((m) => [m.id, m.content]));
      db.prepare("INSERT INTO memories_fts(memories_fts) VALUES ('delete-all')").run();
      for (const { rowid, id } of rows) {
        const content = plain.get(id) ?? '';
        const terms = tokenize(content).map((t) => oldBlindToken(key, t));
        db.prepare('INSERT INTO memories_fts (rowid, terms) VALUES (?, ?)').run(rowid, terms.join(' '));
      }
      db.prepare("UPDATE meta SET value = ? WHERE key = 'fts_key'").run(cipher.keyId);
      db.close();
      const [word] = tokenize('Ljubljana');
      expect(vocabulary(path)).toContain(oldBlindToken(key, word!));

      const store = new SqliteStore({ path, cipher, keywordIndex });
      await store.open({ model: MODEL });
      const terms = vocabulary(path);
      expect(terms).not.toContain(oldBlindToken(key, word!));
      if (keywordIndex === 'fts5') {
        expect(terms).toContain(cipher.blindToken('alice', word!));
        expect(terms).toContain(cipher.blindToken('bob', word!));
      } else {
        expect(terms).toEqual([]);
      }
      expect(await ids(store, 'alice', 'ljubljana')).toEqual(['a1']);
      expect(await ids(store, 'bob', 'ljubljana')).toEqual(['b1']);
      await store.close();
      expect(ftsTag(path)).toBe(keywordIndex === 'fts5' ? tokensKey(cipher) : FTS_NOT_KEPT);
    });
  },
);

function ftsTag(path: string): string | undefined {
  const check = new Database(path, { readonly: true });
  try {
    return (
      check.prepare("SELECT value FROM meta WHERE key = 'fts_key'").get() as { value: string } | undefined
    )?.value;
  } finally {
    check.close();
  }
}

describe('the FTS table is kept only in fts5 mode', () => {
  it('a file written in memory mode searches right in fts5 mode, reopened and in a process open beside it', async () => {
    const cipher = createCipher(generateKey());
    const path = join(dir, 'modes.db');
    const writer = new SqliteStore({ path, cipher, keywordIndex: 'memory' });
    await writer.open({ model: MODEL });
    await writer.insert([{ memory: alice, vector: vec(1) }]);
    expect(vocabulary(path)).toEqual([]);

    const fts = new SqliteStore({ path, cipher, keywordIndex: 'fts5' });
    await fts.open({ model: MODEL });
    expect(await ids(fts, 'alice', 'ljubljana')).toEqual(['a1']);
    expect(ftsTag(path)).toBe(tokensKey(cipher));

    // The memory-mode connection writes on, without FTS rows; the fts5 one notices and rebuilds.
    await writer.insert([
      { memory: memory({ id: 'a2', userId: 'alice', content: 'Ljubljana castle at night' }), vector: vec(3) },
    ]);
    expect(ftsTag(path)).toBe(FTS_NOT_KEPT);
    expect((await ids(fts, 'alice', 'ljubljana')).sort()).toEqual(['a1', 'a2']);
    expect(await ids(fts, 'alice', 'castle')).toEqual(['a2']);
    expect(await ids(fts, 'bob', 'ljubljana')).toEqual([]);
    expect(await ids(writer, 'alice', 'castle')).toEqual(['a2']);
    await fts.close();
    await writer.close();
  });
});
