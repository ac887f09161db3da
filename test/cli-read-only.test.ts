/**
 * Read-only commands on a data dir that holds no store (a typo in --data-dir, a fresh
 * machine) fail with config_error (exit 10) naming the path, and leave no empty store
 * behind; writing commands still create one.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test-support/engine/e2e-engine.ts';
import { BIN, cleanEnv } from '../test-support/process/cli.ts';

const run = promisify(execFile);
const dir = tempDir('strata-cli-ro-');
afterAll(() => dir.remove());

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--data-dir', dir.path, ...args], {
      env: cleanEnv(),
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('read-only commands without a store', () => {
  it('refuse with config_error and create nothing', async () => {
    for (const args of [
      ['search', '--user', 'alice', 'mountains'],
      ['list', '--user', 'alice'],
      ['stats'],
      ['recall', '--user', 'alice', 'what do I like?'],
    ]) {
      const res = await cli([...args, '--json']);
      expect(res.code).toBe(10);
      expect(JSON.parse(res.stdout || res.stderr).error.message).toContain(join(dir.path, 'strata.db'));
    }
    expect(readdirSync(dir.path)).toEqual([]);
    const added = await cli(['add', '--user', 'alice', 'I love hiking', '--json']);
    expect(added.code).toBe(0);
    expect(existsSync(join(dir.path, 'strata.db'))).toBe(true);
    expect((await cli(['search', '--user', 'alice', 'hiking', '--json'])).code).toBe(0);
  }, 120_000);
});
