/**
 * Key rotation through the CLI as an operator runs it: memories written under key A are
 * re-encrypted under key B by `strata rotate-keys` (B current, A in previousKeys), after
 * which B alone reads them and A alone is refused.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../test-support/process/cli.ts';

const run = promisify(execFile);
const dirs: string[] = [];
const baseEnv = cleanEnv();

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function strata(dir: string, args: string[], env: Record<string, string>) {
  return run(process.execPath, [BIN, '--data-dir', dir, ...args, '--json'], { env: { ...baseEnv, ...env } });
}

describe('strata rotate-keys', { timeout: 180_000 }, () => {
  it('re-encrypts under the new key so the old key can be dropped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-rotate-'));
    dirs.push(dir);
    const keyA = randomBytes(32).toString('base64');
    const keyB = randomBytes(32).toString('base64');
    const added = await strata(dir, ['add', '-u', 'alice', 'my locker code is quartz-7731'], {
      STRATA_ENCRYPTION_KEY: keyA,
    });
    const { id } = JSON.parse(added.stdout) as { id: string };

    const rotated = await strata(dir, ['rotate-keys'], {
      STRATA_ENCRYPTION_KEY: keyB,
      STRATA_ENCRYPTION__PREVIOUS_KEYS: JSON.stringify([keyA]),
    });
    expect(JSON.parse(rotated.stdout)).toMatchObject({ rewritten: 1 });

    const read = await strata(dir, ['get', id, '-u', 'alice'], { STRATA_ENCRYPTION_KEY: keyB });
    expect(JSON.parse(read.stdout)).toMatchObject({ content: 'my locker code is quartz-7731' });
    await expect(strata(dir, ['get', id, '-u', 'alice'], { STRATA_ENCRYPTION_KEY: keyA })).rejects.toThrow();
    expect(readFileSync(join(dir, 'strata.db')).includes('quartz')).toBe(false);
  });
});
