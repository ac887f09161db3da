/**
 * Contract test: QdrantStore driven through a realistic session against the recording
 * fake server on a real socket. Every request body is validated against Qdrant's official
 * OpenAPI schema (vendor/qdrant/openapi.json, v1.18.x), the collection layout and indexes
 * are checked, upserts are batched, and every read/count/update/delete carries the user
 * condition (the tenant rule), checked on each recorded request.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeQdrant } from '../../../test-support/fake-qdrant/fake-qdrant.ts';
import { OpenApiValidator } from '../../../test-support/fake-qdrant/openapi-validator.ts';
import { tenantViolation } from '../../../test-support/fake-qdrant/tenant-check.ts';
import { storeOptions } from '../../../test-support/fake-qdrant/test-options.ts';
import { ALICE, BOB, MODEL_A, memory, q, vec } from '../../../test-support/stores/store-fixtures.ts';
import { QdrantStore } from './store.ts';

const validator = new OpenApiValidator();
const fake = new FakeQdrant({ validator });
let dir: string;

beforeAll(async () => {
  await fake.start();
  dir = await mkdtemp(join(tmpdir(), 'strata-qdrant-contract-'));
});
afterAll(async () => {
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});

async function session(store: QdrantStore): Promise<void> {
  await store.open({ model: MODEL_A });
  const alice = Array.from({ length: 150 }, (_, i) =>
    memory({
      content: `alice memory ${i} about hiking and photography in Berlin`,
      layer: i % 2 ? 'episodic' : 'semantic',
    }),
  );
  const bob = Array.from({ length: 10 }, (_, i) =>
    memory({ userId: BOB, content: `bob note ${i} about turtles` }),
  );
  await store.insert([...alice, ...bob].map((m, i) => ({ memory: m, vector: vec(1, i % 7, i % 3) })));
  const first = alice[0]!;
  await store.update([
    { memory: { ...first, content: 'alice moved to Hamburg', version: 2 }, vector: vec(0, 1), op: 'update' },
  ]);
  await store.touch(ALICE, [first.id, alice[1]!.id], '2024-06-01T00:00:00.000Z', 0.2);
  await store.vectorSearch({ userId: ALICE, layers: ['semantic'], since: '2023-01-01T00:00:00Z' }, vec(1), 5);
  await store.keywordSearch(
    { userId: ALICE },
    {
      raw: 'hiking AND berlin -turtles "hiking photography" photo*',
      ast: q.and(
        q.term('hiking'),
        q.or(q.term('berlin'), q.phrase('hiking', 'photography'), q.prefix('photo')),
        q.not(q.term('turtles')),
      ),
    },
    10,
  );
  let cursor: string | undefined;
  do {
    const page = await store.list(
      { userId: ALICE, metadata: {} },
      cursor ? { limit: 40, cursor } : { limit: 40 },
    );
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  await store.history(ALICE, first.id);
  await store.getVectors(ALICE, [first.id]);
  await store.stats();
  await store.users();
  for await (const _batch of store.scan({ batchSize: 50 })) {
    // drains the scan
  }
  await store.delete(ALICE, [alice[2]!.id]);
  const backupDir = join(dir, 'backup');
  await store.backup(backupDir);
  const snapshots = await store.listSnapshots();
  expect(snapshots.map((s) => s.collection).sort()).toEqual(
    Object.values(store.collectionsFor(MODEL_A)).sort(),
  );
  const memoriesSnapshot = snapshots.find((s) => s.collection === store.collectionsFor(MODEL_A).memories)!;
  await store.recoverSnapshot(
    memoriesSnapshot.collection,
    `${fake.url}/collections/${memoriesSnapshot.collection}/snapshots/${memoriesSnapshot.name}`,
  );
  await store.restoreBackup(backupDir);
  await store.deleteUser(BOB);
  await store.close();
}

describe('QdrantStore wire contract (recording fake server, OpenAPI-validated)', () => {
  it('sends only schema-valid, tenant-scoped requests through a realistic session', async () => {
    const store = new QdrantStore(storeOptions(fake.url, { batchSize: 64 }));
    fake.requests.length = 0;
    await session(store);
    const requests = fake.requests;

    expect(
      requests
        .map((r) => `${r.method} ${r.path}: ${r.errors.join('; ')}`)
        .filter((line) => !line.endsWith(': ')),
    ).toEqual([]);
    expect(requests.every((r) => r.operationId !== null)).toBe(true);
    const ops = new Set(requests.map((r) => r.operationId));
    for (const op of [
      'collection_exists',
      'create_collection',
      'create_field_index',
      'upsert_points',
      'scroll_points',
      'query_points',
      'count_points',
      'delete_points',
      'batch_update',
      'facet',
      'create_snapshot',
      'get_snapshot',
      'list_snapshots',
      'recover_from_snapshot',
      'recover_from_uploaded_snapshot',
    ]) {
      expect(ops, `operation ${op} was exercised`).toContain(op);
    }
    expect(requests.map(tenantViolation).filter((v) => v !== null)).toEqual([]);
    // Keep-alive pooling: dozens of client requests over at most 2 × parallelism sockets
    // (snapshot download/upload use fetch's own pool and are not counted).
    const pooled = requests.filter((r) => !r.path.includes('/snapshots/'));
    expect(pooled.length).toBeGreaterThan(50);
    expect(new Set(pooled.map((r) => r.socket)).size).toBeLessThanOrEqual(4);

    const { memories, history } = store.collectionsFor(MODEL_A);
    expect(memories).toMatch(/_suite-model-a_8$/);
    const created = fake.collections.get(memories)!;
    expect(created.config.vectors).toEqual({ dense: { size: 8, distance: 'Cosine' } });
    expect(created.indexes.get('userId')).toEqual({ type: 'keyword', is_tenant: true });
    expect(created.indexes.get('layer')).toEqual({ type: 'keyword' });
    expect(created.indexes.get('createdAt')).toEqual({ type: 'datetime' });
    expect(created.indexes.get('terms')).toMatchObject({ type: 'text', tokenizer: 'whitespace' });
    expect(fake.collections.get(history)?.indexes.get('userId')).toEqual({
      type: 'keyword',
      is_tenant: true,
    });

    const upserts = requests.filter((r) => r.operationId === 'upsert_points' && r.path.includes(memories));
    const sizes = upserts.map((r) => ((r.body as { points: unknown[] }).points ?? []).length);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64);
    expect(sizes.filter((n) => n === 64).length).toBeGreaterThanOrEqual(2);
    expect(upserts.every((r) => r.query.wait === 'true')).toBe(true);

    const keyword = requests.find((r) => JSON.stringify(r.body ?? {}).includes('"text":"hik"'));
    expect(JSON.stringify(keyword?.body)).toContain('"must_not":[{"key":"terms","match":{"text":"turtl"}}]');

    expect((await readdir(join(dir, 'backup'))).sort()).toEqual(
      ['manifest.json', `${history}.snapshot`, `${memories}.snapshot`].sort(),
    );
  });

  it('the tenant check fails a read without the user condition', async () => {
    const store = new QdrantStore(storeOptions(fake.url));
    await store.open({ model: MODEL_A });
    const before = fake.requests.length;
    await (await store.conn.client()).scroll(store.collectionsFor(MODEL_A).memories, { limit: 1 });
    await (await store.conn.client()).delete(store.collectionsFor(MODEL_A).memories, {
      points: ['0190c2a4-0000-7000-8000-000000000000'],
    });
    const violations = fake.requests.slice(before).map(tenantViolation);
    expect(violations[0]).toMatch(/scroll_points.*no user condition/);
    expect(violations[1]).toMatch(/delete_points.*deletes by point ids/);
    await store.drop();
  });

  it('the validator rejects a body that does not match the schema', async () => {
    const response = await fetch(`${fake.url}/collections/x/points/scroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ limit: 'ten', with_vectors: true }),
    });
    expect(response.status).toBe(422);
    const errors = fake.requests.at(-1)!.errors.join(' ');
    expect(errors).toContain('with_vectors');
    expect(errors).toContain('/limit');
    expect(validator.version).toBe('v1.18.x');
  });
});
