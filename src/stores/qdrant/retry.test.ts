/**
 * Readiness and retry behaviour on real sockets: a Qdrant that answers 503 while starting
 * is retried until it answers; a Qdrant that is not running at all yields a
 * StoreUnavailableError naming the URL and the docker command once retries run out; a
 * Qdrant that comes up after open() gets its collections created lazily on first use
 * (the seed's bug); and a non-retryable error (400) is not retried.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeQdrant } from '../../../test-support/fake-qdrant/fake-qdrant.ts';
import { storeOptions } from '../../../test-support/fake-qdrant/test-options.ts';
import { ALICE, MODEL_A, memory, vec } from '../../../test-support/stores/store-fixtures.ts';
import { MemoryError } from '../../errors.ts';
import { QdrantStore } from './store.ts';

const servers: FakeQdrant[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop();
});

async function startFake(port = 0): Promise<FakeQdrant> {
  const fake = new FakeQdrant();
  servers.push(fake);
  await fake.start(port);
  return fake;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = new FakeQdrant();
  await probe.start();
  const port = Number(new URL(probe.url).port);
  await probe.stop();
  return port;
}

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), lines };
}

describe('QdrantStore readiness and retries', () => {
  it('retries 503 answers and succeeds once Qdrant answers 200', async () => {
    const fake = await startFake();
    const { logger, lines } = capturingLogger();
    const store = new QdrantStore(storeOptions(fake.url, { retries: 3, logger }));
    await store.open({ model: MODEL_A });
    const m = memory({ content: 'retry me' });
    fake.failNext(2, 503);
    const before = fake.requests.length;
    await store.insert([{ memory: m, vector: vec(1) }]);
    expect(await store.get(ALICE, m.id)).toEqual(m);
    // the first request of insert was sent three times: 503, 503, 200
    const sent = fake.requests.slice(before, before + 3).map((r) => `${r.method} ${r.path}`);
    expect(new Set(sent).size).toBe(1);
    expect(lines.filter((line) => line.msg === 'qdrant request failed, retrying')).toHaveLength(2);
  });

  it('gives up with StoreUnavailableError naming the URL and the docker command', async () => {
    const port = await closedPort();
    const { logger, lines } = capturingLogger();
    const url = `http://127.0.0.1:${port}`;
    const store = new QdrantStore(storeOptions(url, { retries: 3, minDelayMs: 1, maxDelayMs: 2, logger }));
    await store.open({ model: MODEL_A }); // stays lazy: Qdrant may still be starting
    let caught: unknown;
    try {
      await store.insert([{ memory: memory(), vector: vec(1) }]);
    } catch (error) {
      caught = error;
    }
    expect(MemoryError.isInstance(caught)).toBe(true);
    const error = caught as MemoryError;
    expect(error.code).toBe('store_unavailable');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(url);
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('docker run -p 6333:6333 qdrant/qdrant');
    expect(lines.filter((line) => line.msg === 'qdrant request failed, retrying')).toHaveLength(3);
  });

  it('creates collections lazily once Qdrant comes up after open()', async () => {
    const port = await closedPort();
    const store = new QdrantStore(storeOptions(`http://127.0.0.1:${port}`));
    await store.open({ model: MODEL_A });
    const fake = await startFake(port);
    expect(fake.collections.size).toBe(0);
    const m = memory({ content: 'created late' });
    await store.insert([{ memory: m, vector: vec(1) }]);
    expect([...fake.collections.keys()].sort()).toEqual(Object.values(store.collectionsFor(MODEL_A)).sort());
    expect(await store.get(ALICE, m.id)).toEqual(m);
  });

  it('does not retry a non-retryable error', async () => {
    const fake = await startFake();
    const store = new QdrantStore(storeOptions(fake.url, { retries: 5 }));
    await store.open({ model: MODEL_A });
    const before = fake.requests.length;
    fake.failNext(1, 400);
    await expect(store.get(ALICE, 'some-id')).rejects.toMatchObject({ code: 'upstream_error', status: 400 });
    expect(fake.requests.length - before).toBe(1);
  });
});
