/**
 * `strata migrate` between SQLite and Postgres, end to end with the CLI as child processes:
 * a SQLite store (with history and an encrypted copy) goes to Postgres (PGlite + pgvector
 * over a socket, reached through `pg`) and back to a new SQLite file, and the NDJSON exports
 * (history and vectors included) of the original and the round-tripped store are identical.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PgliteServer, startPgliteServer } from '../../../test-support/postgres/pglite-server.ts';
import { type CliRun, runCli } from '../../../test-support/stores/run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-migrate-pg-'));
let server: PgliteServer;
const base = { dataDir: dir, embedder: { kind: 'hash' }, log: { level: 'silent' } };

function writeConfig(name: string, store: Record<string, unknown>): string {
  const file = join(dir, `${name}.config.json`);
  writeFileSync(file, JSON.stringify({ ...base, store }));
  return file;
}

function strata(config: string, ...args: string[]): Promise<CliRun> {
  return runCli(['--config', config, '--json', ...args]);
}

async function ok(run: Promise<CliRun>): Promise<CliRun> {
  const done = await run;
  expect(done.status, done.stderr).toBe(0);
  return done;
}

async function exportAll(config: string, out: string): Promise<string> {
  const parts: string[] = [];
  for (const user of ['alice', 'bob']) {
    const file = join(dir, `${out}-${user}.ndjson`);
    await ok(strata(config, 'export', '--user', user, '--vectors', '--out', file));
    parts.push(readFileSync(file, 'utf8'));
  }
  return parts.join('');
}

beforeAll(async () => {
  server = await startPgliteServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('SQLite → Postgres → SQLite round trip keeps every memory, version and vector identical', async () => {
  const sqliteA = writeConfig('a', { kind: 'sqlite', path: join(dir, 'a.db') });
  const added: string[] = [];
  for (const [user, text] of [
    ['alice', 'I drink green tea every morning'],
    ['alice', 'My sister lives in Berlin'],
    ['bob', 'Bob plays the cello on Sundays'],
  ] as const) {
    const run = await ok(strata(sqliteA, 'add', '--user', user, ...text.split(' ')));
    added.push((JSON.parse(run.stdout) as { id: string }).id);
  }
  await ok(
    strata(sqliteA, 'update', '--user', 'alice', added[0]!, '--content', 'I drink black tea every morning'),
  );
  const original = await exportAll(sqliteA, 'a');
  expect(original).toContain('black tea');
  expect(original).toContain('green tea');

  const toPg = await ok(
    strata(sqliteA, 'migrate', '--to', 'postgres', '--url', server.url, '--pool-size', '1'),
  );
  expect(JSON.parse(toPg.stdout)).toMatchObject({ migrated: 3, users: 2, sourceCount: 3, targetCount: 3 });
  const rows = await server.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM strata_versions');
  expect(rows[0]!.n).toBe(4);

  const postgres = writeConfig('pg', { kind: 'postgres', url: server.url, poolSize: 1 });
  const found = await ok(strata(postgres, 'search', '--user', 'alice', 'sister', 'Berlin'));
  const results = (JSON.parse(found.stdout) as { results: Array<{ memory: { id: string } }> }).results;
  expect(results[0]?.memory.id).toBe(added[1]);
  expect(await exportAll(postgres, 'pg')).toBe(original);

  const back = await ok(strata(postgres, 'migrate', '--to', 'sqlite', '--path', join(dir, 'c.db')));
  expect(JSON.parse(back.stdout)).toMatchObject({ migrated: 3, targetCount: 3 });
  const sqliteC = writeConfig('c', { kind: 'sqlite', path: join(dir, 'c.db') });
  expect(await exportAll(sqliteC, 'c')).toBe(original);
});

it('refuses to migrate a store onto itself and names the flag a target needs', async () => {
  const postgres = writeConfig('self', { kind: 'postgres', url: server.url, poolSize: 1 });
  const self = await strata(postgres, 'migrate', '--to', 'postgres', '--url', server.url);
  expect(self.status).not.toBe(0);
  expect(self.stderr).toContain('already that postgres store');
  const noUrl = await strata(postgres, 'migrate', '--to', 'qdrant');
  expect(noUrl.status).not.toBe(0);
  expect(noUrl.stderr).toContain('--url');
  const noPath = await strata(postgres, 'migrate', '--to', 'sqlite');
  expect(noPath.status).not.toBe(0);
  expect(noPath.stderr).toContain('--path');
});
