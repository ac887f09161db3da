/**
 * The CLI on the Qdrant store, end to end as child processes against the recording fake
 * server: add, hybrid search, backup (snapshots downloaded into a directory), delete, and
 * restore (snapshots uploaded back) bring the memory back; every request is schema-valid
 * and tenant-scoped.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FakeQdrant } from '../../../test-support/fake-qdrant/fake-qdrant.ts';
import { OpenApiValidator } from '../../../test-support/fake-qdrant/openapi-validator.ts';
import { tenantViolation } from '../../../test-support/fake-qdrant/tenant-check.ts';
import { type CliRun, runCli } from '../../../test-support/stores/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-cli-qdrant-'));
const fake = new FakeQdrant({ validator: new OpenApiValidator() });
const configFile = join(dir, 'strata.config.json');

beforeAll(async () => {
  await fake.start();
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir: dir,
      store: { kind: 'qdrant', url: fake.url, collectionPrefix: 'cli', retries: 1 },
      embedder: { kind: 'hash' },
      log: { level: 'silent' },
    }),
  );
});
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

function strata(...args: string[]): Promise<CliRun> {
  return runCli(['--config', configFile, '--json', ...args]);
}

it('add, search, backup, delete and restore work through the CLI on Qdrant', async () => {
  const added = await strata('add', '--user', 'alice', 'I', 'drink', 'green', 'tea', 'every', 'morning');
  expect(added.status, added.stderr).toBe(0);
  const { id } = JSON.parse(added.stdout) as { id: string };

  const found = await strata('search', '--user', 'alice', 'green', 'tea');
  expect(found.status, found.stderr).toBe(0);
  const results = (JSON.parse(found.stdout) as { results: Array<{ memory: { id: string; userId: string } }> })
    .results;
  expect(results.map((r) => r.memory.id)).toEqual([id]);

  const out = join(dir, 'backup-1');
  const backup = await strata('backup', '--out', out);
  expect(backup.status, backup.stderr).toBe(0);
  expect(readdirSync(out)).toContain('manifest.json');

  expect((await strata('delete', '--user', 'alice', id)).status).toBe(0);
  const stored = () =>
    [...fake.collections.values()]
      .flatMap((c) => [...c.points.values()])
      .filter((p) => p.payload.memoryId === id);
  expect(stored()).toEqual([]);

  const restored = await strata('restore', out);
  expect(restored.status, restored.stderr).toBe(0);
  const again = await strata('get', '--user', 'alice', id);
  expect(again.status, again.stderr).toBe(0);
  expect((JSON.parse(again.stdout) as { content: string }).content).toBe('I drink green tea every morning');

  expect(stored().length).toBeGreaterThan(0);
  expect(fake.invalid()).toEqual([]);
  expect(fake.requests.map(tenantViolation).filter((v) => v !== null)).toEqual([]);
});
