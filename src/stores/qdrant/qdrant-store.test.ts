/**
 * The store conformance suite on Qdrant: against a real server when QDRANT_URL is set
 * (skipped with that reason otherwise), and always against the recording fake server,
 * which validates every request the store sends against Qdrant's OpenAPI schema.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeQdrant } from '../../../test-support/fake-qdrant/fake-qdrant.ts';
import { OpenApiValidator } from '../../../test-support/fake-qdrant/openapi-validator.ts';
import { storeOptions } from '../../../test-support/fake-qdrant/test-options.ts';
import { ALICE, kw, MODEL_A, memory, q, vec } from '../../../test-support/stores/store-fixtures.ts';
import { runStoreSuite } from '../../../test-support/stores/store-suite.ts';
import { createCipher, generateKey } from '../../security/cipher.ts';
import type { MemoryStore } from '../types.ts';
import { QdrantStore } from './store.ts';

const reopen = async (old: MemoryStore) => new QdrantStore((old as QdrantStore).settings);
const cleanup = async (store: MemoryStore) => {
  await new QdrantStore((store as QdrantStore).settings).drop();
};

const realUrl = process.env.QDRANT_URL;
runStoreSuite(
  'qdrant (QDRANT_URL)',
  async () =>
    new QdrantStore(
      storeOptions(realUrl ?? 'http://127.0.0.1:6333', {
        ...(process.env.QDRANT_API_KEY ? { apiKey: process.env.QDRANT_API_KEY } : {}),
      }),
    ),
  {
    skipReason: realUrl ? undefined : 'QDRANT_URL is not set',
    cleanup,
    reopen,
  },
);

const fake = new FakeQdrant({ validator: new OpenApiValidator() });
beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});

runStoreSuite('qdrant (recording fake server)', async () => new QdrantStore(storeOptions(fake.url)), {
  cleanup,
  reopen,
});

it('every request of the conformance run matched the vendored OpenAPI schema', () => {
  expect(fake.requests.length).toBeGreaterThan(100);
  expect(fake.invalid().map((r) => `${r.method} ${r.path}: ${r.errors.join('; ')}`)).toEqual([]);
});

const cipher = createCipher(generateKey());
runStoreSuite(
  'qdrant (recording fake server, encrypted payloads)',
  async () => new QdrantStore(storeOptions(fake.url, { cipher })),
  { cleanup, reopen },
);

it('encrypted payloads keep no plaintext content or metadata on the server', async () => {
  const store = new QdrantStore(storeOptions(fake.url, { cipher }));
  await store.open({ model: MODEL_A });
  const m = memory({ content: 'the zebra passphrase is hunter2', metadata: { topic: 'secrets' } });
  await store.insert([{ memory: m, vector: vec(1) }]);
  await store.update([
    { memory: { ...m, content: 'the zebra passphrase changed', version: 2 }, op: 'update' },
  ]);
  const payloads = [...fake.collections.values()]
    .flatMap((collection) => [...collection.points.values()])
    .filter((point) => point.payload.memoryId === m.id)
    .map((point) => JSON.stringify(point.payload));
  expect(payloads).toHaveLength(3);
  for (const text of payloads) expect(text).not.toMatch(/zebra|hunter2|passphrase|secrets|topic/);
  const found = await store.keywordSearch(
    { userId: ALICE, metadata: { topic: 'secrets' } },
    kw(q.term('zebra')),
    5,
  );
  expect(found.map((r) => r.id)).toEqual([m.id]);
  expect((await store.history(ALICE, m.id)).map((v) => v.memory.content)).toEqual([
    m.content,
    'the zebra passphrase changed',
  ]);
  const plain = new QdrantStore({ ...store.settings, cipher: null });
  await expect(plain.open({ model: MODEL_A })).rejects.toMatchObject({ code: 'config_error' });
  await store.drop();
});

it('a key rotation (or turning encryption on) rewrites every payload under the current key', async () => {
  const first = new QdrantStore(storeOptions(fake.url));
  await first.open({ model: MODEL_A });
  const m = memory({ content: 'the okapi lives in the forest' });
  await first.insert([{ memory: m, vector: vec(1) }]);
  const keyA = generateKey();
  const keyB = generateKey();
  const payload = () => {
    const { memories } = first.collectionsFor(MODEL_A);
    return [...fake.collections.get(memories)!.points.values()][0]!.payload;
  };
  for (const cipherNow of [createCipher(keyA), createCipher(keyB, [keyA])]) {
    const store = new QdrantStore({ ...first.settings, cipher: cipherNow });
    await store.open({ model: MODEL_A });
    expect(payload().keyId).toBe(cipherNow.keyId);
    expect(JSON.stringify(payload())).not.toContain('okapi');
    expect((await store.keywordSearch({ userId: ALICE }, kw(q.term('okapi')), 5)).map((r) => r.id)).toEqual([
      m.id,
    ]);
    expect((await store.history(ALICE, m.id))[0]?.memory).toEqual(m);
  }
  await first.drop();
});
