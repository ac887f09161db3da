import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from './instance-key.ts';

const run = promisify(execFile);
const MODULE = new URL('./instance-key.ts', import.meta.url).pathname;

describe('instance key file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('gives every process that races to create it the same whole key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-key-'));
    dirs.push(dir);
    const file = join(dir, 'instance-key.pem');
    const script = `import { loadOrCreateIdentity } from ${JSON.stringify(MODULE)};
process.stdout.write(loadOrCreateIdentity(${JSON.stringify(file)}).instanceId);`;
    const ids = await Promise.all(
      Array.from({ length: 8 }, () =>
        run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]).then((r) => r.stdout),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(loadOrCreateIdentity(file).instanceId).toBe(ids[0]);
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(readdirSync(dir)).toEqual(['instance-key.pem']);
  });
});
