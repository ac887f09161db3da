/**
 * The CLI as users run it: `node bin/strata ...` child processes on temp data dirs with the
 * default store (SQLite) and the default embedder, checking stdout JSON, stderr messages
 * and exit codes. Includes the done criterion (a semantic match for alice, nothing
 * for bob), history/rollback, export/import, bad input and the re-embed path.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { availableStores, tempDir } from '../test-support/engine/e2e-engine.ts';
import { BIN, cleanEnv } from '../test-support/process/cli.ts';

const hasSqlite = availableStores().includes('sqlite');
/** Each CLI call costs ~1 s of startup alone; under a loaded full-suite run a test of 8 calls needs room. */
const CLI_TIMEOUT_MS = 180_000;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

function strata(
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<Run> {
  const env = cleanEnv();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) =>
      done({ code: code ?? -1, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }),
    );
    child.stdin.end(options.stdin ?? '');
  });
}

interface MemoryJson {
  id: string;
  userId: string;
  content: string;
  version: number;
}

describe('strata CLI without a store', { timeout: CLI_TIMEOUT_MS }, () => {
  it('lists the valid commands for an unknown command and exits 2', async () => {
    const run = await strata(['frobnicate']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'frobnicate'");
    expect(run.stderr).toMatch(/Valid commands: add, search, list, get, update, delete, history, rollback/);
  });

  it('reports a bad config with its field and exit code 10', async () => {
    const run = await strata(['stats'], { env: { STRATA_PORT: 'not-a-port' } });
    expect(run.code).toBe(10);
    expect(run.stderr).toContain('server.port');
    expect(run.stderr).toContain('STRATA_PORT');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

// Each test owns its temp dir, so the tests run concurrently (each CLI call is ~1 s of startup).
// Skipped (with this title) only in a checkout without the SQLite store.
(hasSqlite ? describe.concurrent : describe.skip)(
  'strata CLI on SQLite (child processes)',
  { timeout: CLI_TIMEOUT_MS },
  () => {
    type Cli = (args: string[], options?: { env?: Record<string, string>; stdin?: string }) => Promise<Run>;
    async function withDir(fn: (cli: Cli, dir: string) => Promise<void>): Promise<void> {
      const dir = tempDir('strata-cli-');
      try {
        await fn(
          (args, options) => strata(['--data-dir', join(dir.path, 'data'), ...args], options),
          dir.path,
        );
      } finally {
        dir.remove();
      }
    }

    it('done criterion: a semantic match for alice, nothing for bob', () =>
      withDir(async (cli) => {
        const added = await cli(['add', '--user', 'alice', 'I love hiking in the Alps']);
        expect(added.code).toBe(0);
        const [alice, bob] = await Promise.all([
          cli(['search', '--user', 'alice', 'mountains', '--json']),
          cli(['search', '--user', 'bob', 'mountains', '--json']),
        ]);
        expect(alice.code).toBe(0);
        const results = alice.json<{ results: Array<{ memory: MemoryJson; score: number }> }>().results;
        expect(results[0]?.memory).toMatchObject({ userId: 'alice', content: 'I love hiking in the Alps' });
        expect(bob.code).toBe(0);
        expect(bob.json()).toEqual({ results: [] });
      }));

    it('updates, shows history and rolls back', () =>
      withDir(async (cli) => {
        const added = (await cli(['add', '--json', '-u', 'alice', 'I live in Berlin'])).json<MemoryJson>();
        const updated = await cli([
          'update',
          added.id,
          '-u',
          'alice',
          '--content',
          'I live in Munich',
          '--json',
        ]);
        expect(updated.json<MemoryJson>()).toMatchObject({ version: 2, content: 'I live in Munich' });

        const history = await cli(['history', added.id, '-u', 'alice', '--json']);
        expect(history.json<Array<{ version: number; op: string }>>().map((v) => [v.version, v.op])).toEqual([
          [1, 'create'],
          [2, 'update'],
        ]);
        const rolled = await cli(['rollback', added.id, '1', '-u', 'alice', '--json']);
        expect(rolled.json<MemoryJson>()).toMatchObject({ version: 3, content: 'I live in Berlin' });

        const human = await cli(['history', added.id, '-u', 'alice']);
        expect(human.stdout).toContain('rollback');
        const bob = await cli(['rollback', added.id, '1', '-u', 'bob']);
        expect(bob.code).toBe(3);
        expect(bob.stderr).toContain('not found');
      }));

    it('exports, imports into a fresh dir (twice), and rejects a malformed file', () =>
      withDir(async (cli, root) => {
        await cli(['add', '-u', 'alice', 'Allergic to peanuts', '--importance', '0.9']);
        await cli(['add', '-u', 'alice', 'Runs every Sunday', '--layer', 'episodic']);
        const file = join(root, 'alice.ndjson');
        const exported = await cli(['export', '-u', 'alice', '--out', file, '--json']);
        expect(exported.json()).toMatchObject({ file, lines: 4 });

        const other = (args: string[], stdin?: string) =>
          strata(['--data-dir', join(root, 'other'), ...args], stdin === undefined ? {} : { stdin });
        expect((await other(['import', file, '--json'])).json()).toEqual({
          imported: 2,
          unchanged: 0,
          lines: 4,
        });
        const stdout = (await cli(['export', '-u', 'alice'])).stdout;
        expect((await other(['import', '--json'], stdout)).json()).toEqual({
          imported: 0,
          unchanged: 2,
          lines: 4,
        });
        const [listA, listB] = await Promise.all([
          cli(['list', '-u', 'alice', '--json']),
          other(['list', '-u', 'alice', '--json']),
        ]);
        expect(listB.json()).toEqual(listA.json());

        const bad = join(root, 'bad.ndjson');
        writeFileSync(bad, `${stdout.split('\n')[0]}\nnot json at all\n`);
        const rejected = await strata(['--data-dir', join(root, 'third'), 'import', bad]);
        expect(rejected.code).toBe(2);
        expect(rejected.stderr).toContain('line 2');
        const stats = await strata(['--data-dir', join(root, 'third'), 'stats', '--json']);
        expect(stats.json()).toMatchObject({ memories: 0 });
      }));

    it('maps bad input to exit codes with messages, JSON errors under --json', () =>
      withDir(async (cli) => {
        // A store must exist for read commands (an empty data dir is a config error).
        await cli(['add', '-u', 'bob', 'seed']);
        const [empty, date, missing, jsonError, noYes] = await Promise.all([
          cli(['add', '-u', 'alice', '   ']),
          cli(['search', '-u', 'alice', 'x', '--since', 'the twelfth of never']),
          cli(['get', 'nope', '-u', 'alice']),
          cli(['get', 'nope', '-u', 'alice', '--json']),
          cli(['delete-user', '-u', 'alice']),
        ]);
        expect([empty.code, date.code, missing.code, jsonError.code, noYes.code]).toEqual([2, 2, 3, 3, 2]);
        expect(empty.stderr).toContain('content must not be empty');
        expect(date.stderr).toContain('since');
        expect(jsonError.stdout).toBe('');
        expect(JSON.parse(jsonError.stderr)).toMatchObject({ error: { code: 'not_found' } });
        expect(noYes.stderr).toContain('--yes');
      }));

    it('lists, deletes, reports stats and deletes a user', () =>
      withDir(async (cli) => {
        const a = (await cli(['add', '-u', 'alice', 'first note', '--json'])).json<MemoryJson>();
        await cli(['add', '-u', 'alice', 'second note']);
        const page = await cli(['list', '-u', 'alice', '--limit', '1', '--json']);
        const first = page.json<{ items: MemoryJson[]; nextCursor: string }>();
        expect(first.items.map((m) => m.content)).toEqual(['first note']);
        const next = await cli([
          'list',
          '-u',
          'alice',
          '--limit',
          '1',
          '--cursor',
          first.nextCursor,
          '--json',
        ]);
        expect(next.json<{ items: MemoryJson[] }>().items.map((m) => m.content)).toEqual(['second note']);

        expect((await cli(['delete', a.id, '-u', 'alice', '--json'])).json()).toEqual({ deleted: a.id });
        expect((await cli(['stats', '--json'])).json()).toMatchObject({ memories: 1, users: 1 });
        expect((await cli(['delete-user', '-u', 'alice', '--yes', '--json'])).json()).toEqual({
          userId: 'alice',
          deleted: 1,
        });
        expect((await cli(['stats'])).stdout).toContain('memories: 0');
      }));

    it('refuses another model until reembed', () =>
      withDir(async (cli) => {
        await cli(['add', '-u', 'alice', 'I love hiking in the Alps'], { env: { STRATA_EMBEDDER: 'hash' } });
        const refused = await cli(['search', '-u', 'alice', 'hiking']);
        expect(refused.code).toBe(9);
        expect(refused.stderr).toContain('reembed');
        const reembed = await cli(['reembed', '--json']);
        expect(reembed.json()).toEqual({ reembedded: 1 });
        const found = await cli(['search', '-u', 'alice', 'hiking', '--json']);
        expect(found.json<{ results: Array<{ memory: MemoryJson }> }>().results[0]?.memory.content).toBe(
          'I love hiking in the Alps',
        );
      }));
  },
);
