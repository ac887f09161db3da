/**
 * The store conformance suite on Qdrant: against a real server when QDRANT_URL is set
 * (skipped with that reason otherwise), and always against the recording fake server,
 * which validates every request the store sends against Qdrant's OpenAPI schema.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runStoreSuite } from '../../testing/store-suite.ts';
import type { MemoryStore } from '../types.ts';
import { QdrantStore } from './store.ts';
import { FakeQdrant } from './testing/fake-qdrant.ts';
import { OpenApiValidator } from './testing/openapi-validator.ts';
import { storeOptions } from './testing/test-options.ts';

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
