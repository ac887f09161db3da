/**
 * `strata migrate --to qdrant` end to end: a SQLite store on a real temp file, the CLI as
 * a child process, and the recording fake Qdrant server (OpenAPI-validated) as target. The
 * first run is cut off by an injected error; the second resumes from the checkpoint and
 * completes, and Qdrant then holds every memory with its vector and history.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeQdrant } from '../../../test-support/fake-qdrant/fake-qdrant.ts';
import { OpenApiValidator } from '../../../test-support/fake-qdrant/openapi-validator.ts';
import { type CliRun, runCli } from '../../../test-support/stores/run-cli.ts';
import { ConfigSchema } from '../../config/schema.ts';
import { createEmbedder } from '../../embedders/create-embedder.ts';
import { newMemory } from '../../records.ts';
import { SqliteStore } from '../../stores/sqlite/sqlite-store.ts';
import { CHECKPOINT_FILE } from './migrate.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-migrate-'));
const fake = new FakeQdrant({ validator: new OpenApiValidator() });
const configFile = join(dir, 'strata.config.json');
const rawConfig = {
  dataDir: dir,
  store: { kind: 'sqlite', path: join(dir, 'strata.db') },
  embedder: { kind: 'hash' },
  log: { level: 'silent' },
};
const vectors = new Map<string, number[]>();

beforeAll(async () => {
  writeFileSync(configFile, JSON.stringify(rawConfig));
  const embedder = createEmbedder(ConfigSchema.parse(rawConfig));
  const model = { id: embedder.id, dimensions: embedder.dimensions };
  const store = new SqliteStore({ path: rawConfig.store.path });
  await store.open({ model });
  const records = Array.from({ length: 150 }, (_, i) => {
    const memory = newMemory(
      {
        userId: i < 120 ? 'alice' : 'bob',
        layer: 'semantic',
        content: `fact number ${i}`,
        createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
      },
      '2024-06-01T00:00:00.000Z',
      model.id,
    );
    const vector = Float32Array.from({ length: model.dimensions }, (_, d) => Math.sin(i + d));
    vectors.set(memory.id, Array.from(vector));
    return { memory, vector };
  });
  await store.insert(records);
  await store.update(
    records.slice(0, 5).map(({ memory }) => ({
      memory: { ...memory, content: `${memory.content} (edited)`, version: 2 },
      op: 'update' as const,
    })),
  );
  await store.close();
  await fake.start();
});

afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI asynchronously: the fake server lives in this process and must keep answering. */
function migrate(...extra: string[]): Promise<CliRun> {
  return runCli([
    '--config',
    configFile,
    '--json',
    'migrate',
    '--to',
    'qdrant',
    '--url',
    fake.url,
    '--batch',
    '25',
    '--collection-prefix',
    'mig',
    ...extra,
  ]);
}

it('migrates everything, resumes after an interruption, and keeps vectors and history', async () => {
  const checkpoint = join(dir, CHECKPOINT_FILE);
  fake.passThenFail(25, 400);
  const first = await migrate();
  expect(first.status, first.stderr).not.toBe(0);
  expect(first.stderr).toContain('upstream_error');
  const saved = JSON.parse(readFileSync(checkpoint, 'utf8')) as { migrated: number; lastId: string };
  expect(saved.migrated).toBeGreaterThan(0);
  expect(saved.migrated).toBeLessThan(150);

  const before = fake.requests.length;
  const second = await migrate();
  expect(second.status, second.stderr).toBe(0);
  const result = JSON.parse(second.stdout) as Record<string, unknown>;
  expect(result).toMatchObject({
    migrated: 150,
    users: 2,
    sourceCount: 150,
    targetCount: 150,
    resumedFrom: saved.lastId,
  });
  expect(existsSync(checkpoint)).toBe(false);

  const { memories, history } = result.collections as { memories: string; history: string };
  const points = [...fake.collections.get(memories)!.points.values()];
  expect(points).toHaveLength(150);
  for (const point of points) {
    expect(point.vectors.dense).toEqual(vectors.get(String(point.payload.memoryId)));
  }
  const versions = [...fake.collections.get(history)!.points.values()].filter(
    (p) => p.payload.kind === 'version',
  );
  expect(versions).toHaveLength(155);
  // The resumed run did not copy the pages the first run had finished.
  const resent = fake.requests
    .slice(before)
    .filter((r) => r.operationId === 'upsert_points' && r.path.includes(memories))
    .reduce((n, r) => n + ((r.body as { points: unknown[] }).points ?? []).length, 0);
  expect(resent).toBeLessThanOrEqual(150 - saved.migrated + 25);
  expect(fake.invalid()).toEqual([]);
});
