import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../engine/engine.ts';
import { rotateBackups, runBackup } from './backups.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/strata', ...args], {
      cwd: ROOT,
      env: { ...process.env, STRATA_EMBEDDER: 'hash' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('backups', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'strata-backup-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config = () => ({ dataDir: join(dir, 'data'), embedder: { kind: 'hash' as const } });

  it('rotates, keeping the newest N', () => {
    for (const minute of [1, 2, 3, 4])
      writeFileSync(join(dir, `strata-backup-2026-01-01T00-0${minute}-00-000Z.db`), '');
    writeFileSync(join(dir, 'unrelated.txt'), '');
    expect(rotateBackups(dir, 2)).toEqual([
      'strata-backup-2026-01-01T00-01-00-000Z.db',
      'strata-backup-2026-01-01T00-02-00-000Z.db',
    ]);
    expect(readdirSync(dir).sort()).toEqual([
      'strata-backup-2026-01-01T00-03-00-000Z.db',
      'strata-backup-2026-01-01T00-04-00-000Z.db',
      'unrelated.txt',
    ]);
  });

  it('writes online SQLite backups with retention', async () => {
    const memory = createMemory(config());
    await memory.add({ userId: 'u', content: 'backed up fact' });
    const backups = join(dir, 'backups');
    for (let i = 0; i < 3; i++) await runBackup(memory, backups, 2, new Date(Date.UTC(2026, 0, 1, 0, i)));
    await memory.close();
    expect(readdirSync(backups).filter((f) => f.startsWith('strata-backup-'))).toHaveLength(2);
  });

  it('`strata backup` then `strata restore` brings the old state back, verified and refused while held', async () => {
    const memory = createMemory(config());
    await memory.add({ userId: 'u', content: 'before the backup' });
    await memory.close();
    const file = join(dir, 'snap.db');
    const env = ['--data-dir', join(dir, 'data')];
    const backup = await cli([...env, '--json', 'backup', '--out', file]);
    expect(backup.code, backup.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);

    const later = createMemory(config());
    await later.add({ userId: 'u', content: 'after the backup' });
    await later.close();

    writeFileSync(join(dir, 'data', 'server.pid'), String(process.pid));
    const refused = await cli([...env, 'restore', file]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/stop it before restoring/);
    rmSync(join(dir, 'data', 'server.pid'));

    writeFileSync(join(dir, 'garbage.db'), 'this is not sqlite at all'.repeat(100));
    const corrupt = await cli([...env, 'restore', join(dir, 'garbage.db')]);
    expect(corrupt.code).not.toBe(0);
    expect(corrupt.stderr).toMatch(/not a readable SQLite database|integrity/);

    const Database = (await import('better-sqlite3')).default;
    const foreign = new Database(join(dir, 'foreign.db'));
    foreign.exec('CREATE TABLE t (x)');
    foreign.close();
    const notStrata = await cli([...env, 'restore', join(dir, 'foreign.db')]);
    expect(notStrata.code).not.toBe(0);
    expect(notStrata.stderr).toMatch(/not a Strata database/);

    const restored = await cli([...env, '--json', 'restore', file]);
    expect(restored.code, restored.stderr).toBe(0);
    const reopened = createMemory(config());
    const contents = (await reopened.list({ userId: 'u' })).items.map((m) => m.content);
    await reopened.close();
    expect(contents).toEqual(['before the backup']);
  });
});

describe('scheduled backups', () => {
  it('writes backups on the interval with retention while the server runs', async () => {
    const { startHarness } = await import('../../test-support/server/harness.ts');
    const dir = mkdtempSync(join(tmpdir(), 'strata-sched-'));
    const memory = createMemory({ dataDir: join(dir, 'data'), embedder: { kind: 'hash' } });
    await memory.add({ userId: 'u', content: 'scheduled' });
    const backups = join(dir, 'backups');
    // 0.002 minutes = 120 ms, so a few backups happen quickly.
    const h = await startHarness(memory, {
      server: { backups: { intervalMinutes: 0.002, retain: 2, dir: backups } },
    });
    try {
      let files: string[] = [];
      for (let i = 0; i < 100; i++) {
        files = existsSync(backups) ? readdirSync(backups).filter((f) => f.startsWith('strata-backup-')) : [];
        if (files.length >= 2) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 400));
      files = readdirSync(backups).filter((f) => f.startsWith('strata-backup-'));
      expect(files.length).toBe(2);
    } finally {
      await h.close();
      await memory.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
