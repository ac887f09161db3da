/**
 * What the Postgres store adds beyond the conformance suite, on PGlite + pgvector over a
 * socket: the schema (versioned; user_id first in every index; HNSW cosine index), many
 * users with identical content never seeing each other's rows, language-aware keyword
 * search, nothing in clear under encryption, reruns on serialization failures, and a
 * config_error naming `pg` when it is not installed.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PgliteServer, startPgliteServer } from '../../../test-support/postgres/pglite-server.ts';
import {
  ALICE,
  expectCode,
  ids,
  kw,
  MODEL_A,
  memory,
  q,
  vec,
} from '../../../test-support/stores/store-fixtures.ts';
import { ConfigSchema } from '../../config/schema.ts';
import { createCipher, generateKey } from '../../security/cipher.ts';
import { createStore } from '../create-store.ts';
import { PostgresConnection } from './connection.ts';
import { vectorQuery } from './pg-search.ts';
import { PostgresStore } from './store.ts';

let server: PgliteServer;
beforeAll(async () => {
  server = await startPgliteServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
const opened: PostgresStore[] = [];
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  await server.reset();
});

async function openStore(extra: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {}) {
  const store = new PostgresStore({ url: server.url, poolSize: 1, ...extra });
  opened.push(store);
  await store.open({ model: MODEL_A });
  return store;
}

describe('postgres schema', () => {
  it('records its schema version and refuses a database from a newer Strata', async () => {
    const store = await openStore();
    const versions = await server.query<{ version: number }>('SELECT version FROM strata_schema_version');
    expect(versions.map((r) => r.version)).toEqual([1]);
    await store.close();
    await server.query("INSERT INTO strata_schema_version VALUES (99, '2030-01-01T00:00:00.000Z')");
    const again = new PostgresStore({ url: server.url, poolSize: 1 });
    opened.push(again);
    const error = await expectCode(again.open({ model: MODEL_A }), 'store_unavailable');
    expect(error.message).toContain('schema version 99');
  });

  it('starts every index with user_id, except the id uniqueness and HNSW indexes', async () => {
    await openStore();
    const rows = await server.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'strata_%' AND tablename NOT IN ('strata_meta', 'strata_schema_version')",
    );
    const exceptions = rows.filter((r) => !/\((user_id)[,)]/.test(r.indexdef)).map((r) => r.indexname);
    expect(exceptions.sort()).toEqual(['strata_memories_id_unique', 'strata_vectors_hnsw_8']);
    const hnsw = rows.find((r) => r.indexname === 'strata_vectors_hnsw_8')!.indexdef;
    expect(hnsw).toContain('USING hnsw');
    expect(hnsw).toContain('vector_cosine_ops');
    expect(rows.find((r) => r.indexname === 'strata_memories_user_tsv')!.indexdef).toContain(
      'USING gin (user_id, tsv)',
    );
  });
});

describe('postgres vector index', () => {
  it('a user with many vectors is searched through the HNSW cosine index, a small one exactly', async () => {
    const store = await openStore();
    const many = Array.from({ length: 1_500 }, (_, i) => ({
      memory: memory({ userId: 'big', content: `note ${i}` }),
      vector: vec(Math.sin(i), Math.cos(i), (i % 7) / 7, (i % 3) / 3),
    }));
    await store.insert([...many, { memory: memory({ userId: 'small' }), vector: vec(1) }]);
    await server.query('ANALYZE');
    const plan = async (userId: string) => {
      const { text, params } = vectorQuery({ userId }, vec(1, 0.5), 10);
      const rows = await server.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    };
    expect(await plan('big')).toContain('strata_vectors_hnsw_8');
    expect(await plan('small')).not.toContain('strata_vectors_hnsw_8');
    const found = await store.vectorSearch({ userId: 'big' }, vec(1, 0.5), 10);
    expect(found).toHaveLength(10);
    const exact = many
      .map((r) => ({ id: r.memory.id, score: cosineOf(r.vector, vec(1, 0.5)) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    // HNSW is approximate; on this small graph it finds the exact top 10.
    expect(ids(found)).toEqual(ids(exact));
  });
});

function cosineOf(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

describe('postgres isolation at scale', () => {
  it("a user's vector and keyword queries never return another user's rows", async () => {
    const store = await openStore();
    const users = Array.from({ length: 6 }, (_, i) => `user-${i}`);
    const records = users.flatMap((userId, u) =>
      Array.from({ length: 20 }, (_, i) => ({
        memory: memory({ userId, content: `shared zebra passphrase number ${i}`, metadata: { n: i % 3 } }),
        vector: vec(1, (i + u) / 40, u / 10),
      })),
    );
    await store.insert(records);
    const owner = new Map(records.map((r) => [r.memory.id, r.memory.userId]));
    for (const userId of users) {
      const filters = [{ userId }, { userId, metadata: { n: 1 } }, { userId, ids: [...owner.keys()] }];
      for (const filter of filters) {
        const vector = await store.vectorSearch(filter, vec(1, 0.1), 100);
        const keyword = await store.keywordSearch(filter, kw(q.or(q.term('zebra'), q.prefix('pass'))), 100);
        expect(vector.length).toBeGreaterThan(0);
        expect(keyword.length).toBe(vector.length);
        for (const hit of [...vector, ...keyword]) expect(owner.get(hit.id)).toBe(userId);
      }
      const listed = await store.list({ userId }, { limit: 1_000 });
      expect(listed.items.every((m) => m.userId === userId)).toBe(true);
      expect(listed.items).toHaveLength(20);
    }
  });
});

describe('postgres keyword search', () => {
  it('indexes a memory with metadata.language in that language and finds it by its own stems', async () => {
    const store = await openStore();
    const german = memory({ content: 'Wir wandern gern in den Bergen', metadata: { language: 'de' } });
    const english = memory({ content: 'We love hiking in the mountains' });
    await store.insert([
      { memory: german, vector: null },
      { memory: english, vector: null },
    ]);
    const configs = await server.query<{ id: string; fts_config: string }>(
      'SELECT id, fts_config FROM strata_memories ORDER BY fts_config',
    );
    expect(configs.map((r) => r.fts_config)).toEqual(['german', 'strata']);
    // German stemming: "Berg" and "Bergen" share the stem "berg"; "wandere" matches "wandern".
    expect(ids(await store.keywordSearch({ userId: ALICE }, kw(q.term('Berg')), 5))).toEqual([german.id]);
    expect(ids(await store.keywordSearch({ userId: ALICE }, kw(q.term('wandere')), 5))).toEqual([german.id]);
    expect(ids(await store.keywordSearch({ userId: ALICE }, kw(q.term('hike')), 5))).toEqual([english.id]);
    const both = await store.keywordSearch(
      { userId: ALICE },
      kw(q.or(q.term('bergen'), q.term('mountains'))),
      5,
    );
    expect(ids(both).sort()).toEqual([german.id, english.id].sort());
    expect(both.every((r) => r.score > 0)).toBe(true);
  });
});

describe('postgres encryption', () => {
  it('keeps content, metadata and snapshots out of the database in clear', async () => {
    const store = await openStore({ cipher: createCipher(generateKey()) });
    const m = memory({ content: 'the zebra passphrase is hunter2', metadata: { topic: 'secrets' } });
    await store.insert([{ memory: m, vector: vec(1) }]);
    await store.update([
      { memory: { ...m, content: 'the zebra passphrase changed', version: 2 }, op: 'update' },
    ]);
    const dump = JSON.stringify([
      await server.query('SELECT *, tsv::text AS tsv FROM strata_memories'),
      await server.query('SELECT * FROM strata_versions'),
    ]);
    expect(dump).not.toMatch(/zebra|hunter2|passphrase|secrets|topic/);
    expect(ids(await store.keywordSearch({ userId: ALICE }, kw(q.term('zebra')), 5))).toEqual([m.id]);
    expect((await store.history(ALICE, m.id)).map((v) => v.memory.content)).toEqual([
      m.content,
      'the zebra passphrase changed',
    ]);
    await store.close();
    const plain = new PostgresStore({ url: server.url, poolSize: 1 });
    opened.push(plain);
    await expectCode(plain.open({ model: MODEL_A }), 'config_error');
  });

  it('rotateKeys rewrites every row under the new key and keeps keyword search working', async () => {
    const keyA = generateKey();
    const first = await openStore({ cipher: createCipher(keyA) });
    const m = memory({ content: 'the okapi lives in the forest' });
    await first.insert([{ memory: m, vector: vec(1) }]);
    await first.close();
    const cipherB = createCipher(generateKey(), [keyA]);
    const second = await openStore({ cipher: cipherB });
    expect(await second.rotateKeys()).toBe(1);
    const keys = await server.query<{ key_id: string }>(
      'SELECT key_id FROM strata_memories UNION SELECT key_id FROM strata_versions',
    );
    expect(keys.map((r) => r.key_id)).toEqual([cipherB.keyId]);
    expect(ids(await second.keywordSearch({ userId: ALICE }, kw(q.term('okapi')), 5))).toEqual([m.id]);
    expect(await second.get(ALICE, m.id)).toEqual(m);
  });
});

describe('postgres transactions and connections', () => {
  it('reruns a transaction on a serialization failure or deadlock, not on other errors', async () => {
    const c = new PostgresConnection({
      url: server.url,
      poolSize: 1,
      retries: 3,
      minDelayMs: 1,
      maxDelayMs: 2,
    });
    try {
      let runs = 0;
      const result = await c.tx('test', async (sql) => {
        runs += 1;
        await sql.query('SELECT 1');
        if (runs === 1) throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        if (runs === 2) throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
        return (await sql.query<{ x: number }>('SELECT 42 AS x'))[0]!.x;
      });
      expect({ result, runs }).toEqual({ result: 42, runs: 3 });
      let other = 0;
      await expect(
        c.tx('test', async () => {
          other += 1;
          throw Object.assign(new Error('syntax'), { code: '42601' });
        }),
      ).rejects.toThrow('syntax');
      expect(other).toBe(1);
      let always = 0;
      const error = await expectCode(
        c.tx('test', async () => {
          always += 1;
          throw Object.assign(new Error('could not serialize access'), { code: '40001' });
        }),
        'store_unavailable',
      );
      expect(always).toBe(4);
      expect((error as { retryable?: boolean }).retryable).toBe(true);
    } finally {
      await c.close();
    }
  });

  it('rolls a failed multi-row write back completely', async () => {
    const store = await openStore();
    const kept = memory();
    await store.insert([{ memory: kept, vector: vec(1) }]);
    const fresh = memory();
    await expectCode(
      store.insert([
        { memory: fresh, vector: vec(1) },
        { memory: kept, vector: vec(1) },
      ]),
      'conflict',
    );
    expect(await store.get(ALICE, fresh.id)).toBeNull();
    const counts = await server.query<{ n: number }>(
      'SELECT (SELECT COUNT(*) FROM strata_memories)::int + (SELECT COUNT(*) FROM strata_versions)::int + (SELECT COUNT(*) FROM strata_vectors)::int AS n',
    );
    expect(counts[0]!.n).toBe(3);
  });

  it('an unreachable server is store_unavailable and names the redacted url', async () => {
    const store = new PostgresStore({
      url: 'postgres://strata:s3cret@127.0.0.1:1/strata',
      poolSize: 1,
      retries: 0,
    });
    const error = await expectCode(store.open({ model: MODEL_A }), 'store_unavailable');
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).not.toContain('s3cret');
    expect(store.location).not.toContain('s3cret');
  });

  it('without the pg package, open fails with config_error naming it', async () => {
    const missing = Object.assign(new Error("Cannot find package 'pg' imported from /app/strata.js"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    const store = new PostgresStore({ url: server.url, importPg: () => Promise.reject(missing) });
    const error = await expectCode(store.open({ model: MODEL_A }), 'config_error');
    expect(error.message).toContain('npm install pg');
  });

  it('store.kind "postgres" in the config builds this store with its pool size', () => {
    const config = ConfigSchema.parse({ store: { kind: 'postgres', url: 'postgres://u:pw@db:5432/strata' } });
    expect(config.store).toMatchObject({ kind: 'postgres', poolSize: 10, retries: 5 });
    const store = createStore(config) as PostgresStore;
    expect(store.kind).toBe('postgres');
    expect(store.settings.poolSize).toBe(10);
    expect(store.location).toBe('postgres://u:***@db:5432/strata');
    expect(() => ConfigSchema.parse({ store: { kind: 'postgres', url: 'http://db' } })).toThrow(
      /postgres:\/\//,
    );
  });
});
