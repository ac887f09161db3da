/**
 * Several processes opening the same fresh data dir at once (a CLI next to a starting
 * server, parallel scripts): the schema migration must run exactly once and every process
 * must succeed. Before migrations took the write lock first, one of them failed with
 * "table meta already exists".
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../test-support/process/cli.ts';

const run = promisify(execFile);
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('concurrent first open of one SQLite file', { timeout: 180_000 }, () => {
  it('lets five processes create the schema and write at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-concurrent-'));
    dirs.push(dir);
    const env = cleanEnv();
    const adds = [1, 2, 3, 4, 5].map((n) =>
      run(process.execPath, [BIN, '--data-dir', dir, 'add', '-u', 'alice', `parallel note ${n}`, '--json'], {
        env,
      }),
    );
    const results = await Promise.allSettled(adds);
    const failures = results
      .filter((r) => r.status === 'rejected')
      .map((r) => String((r as PromiseRejectedResult).reason));
    expect(failures).toEqual([]);
    const listed = await run(process.execPath, [BIN, '--data-dir', dir, 'list', '-u', 'alice', '--json'], {
      env,
    });
    const page = JSON.parse(listed.stdout) as { items: Array<{ content: string }> };
    expect(page.items.map((m) => m.content).sort()).toEqual([1, 2, 3, 4, 5].map((n) => `parallel note ${n}`));
  });
});
