/**
 * `--at <iso>` on the CLI commands that depend on "now" (add, update, delete, rollback,
 * search, recall, consolidate; observe has its own --at for the turn time), run as child
 * processes on a temp SQLite data dir: write times, relative time ranges ("yesterday") and
 * recall's last-access times follow --at, a bad instant is a usage error (exit 2), and
 * another user still sees nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv } from '../test-support/process/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'strata-cli-at-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function strata(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, '--data-dir', dataDir, ...args],
      { env: cleanEnv(), encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

async function json<T>(args: string[]): Promise<T> {
  const run = await strata([...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

interface MemoryJson {
  id: string;
  content: string;
  createdAt: string;
  updatedAt: string;
  lastAccessedAt: string | null;
}

/** Within a minute after `at`: the CLI's clock starts at --at and then runs with real time. */
function expectNear(actual: string | null | undefined, at: string): void {
  const delta = Date.parse(actual ?? '') - Date.parse(at);
  expect(delta, `${actual} vs ${at}`).toBeGreaterThanOrEqual(0);
  expect(delta, `${actual} vs ${at}`).toBeLessThan(60_000);
}

describe('strata --at (child processes)', { timeout: 180_000 }, () => {
  it('offers --at on every command that depends on now', async () => {
    const commands = ['add', 'update', 'delete', 'rollback', 'search', 'recall', 'consolidate', 'observe'];
    const helps = await Promise.all(commands.map((command) => strata([command, '--help'])));
    for (const [i, command] of commands.entries()) expect(helps[i]?.stdout, command).toContain('--at <iso>');
  });

  it('writes, ranges and recalls as of --at, one user at a time', async () => {
    const dentist = await json<MemoryJson>([
      'add',
      '--user',
      'alice',
      '--at',
      '2024-03-04T10:00:00Z',
      'I went to the dentist and had a filling',
    ]);
    expectNear(dentist.createdAt, '2024-03-04T10:00:00Z');
    const swim = await json<MemoryJson>([
      'add',
      '--user',
      'alice',
      '--at',
      '2024-02-20T10:00:00Z',
      'I went swimming at the lake',
    ]);
    expectNear(swim.createdAt, '2024-02-20T10:00:00Z');

    // "yesterday" is resolved against --at: only the dentist visit, the day before 2024-03-05.
    const yesterday = await json<{ results: Array<{ memory: MemoryJson }> }>([
      'search',
      '--user',
      'alice',
      'went',
      '--since',
      'yesterday',
      '--at',
      '2024-03-05T12:00:00Z',
    ]);
    expect(yesterday.results.map((r) => r.memory.content)).toEqual([
      'I went to the dentist and had a filling',
    ]);
    // Against the real now, nothing of 2024 is from yesterday.
    const today = await json<{ results: unknown[] }>([
      'search',
      '--user',
      'alice',
      'went',
      '--since',
      'yesterday',
    ]);
    expect(today.results).toEqual([]);

    // recall --at: the block is built as of then, and the recalled memories' last access is then.
    const recalled = await json<{ context: string; memories: MemoryJson[] }>([
      'recall',
      '--user',
      'alice',
      'the dentist',
      '--at',
      '2024-03-06T08:00:00Z',
    ]);
    expect(recalled.context).toContain('I went to the dentist');
    const after = await json<MemoryJson>(['get', '--user', 'alice', dentist.id]);
    expectNear(after.lastAccessedAt, '2024-03-06T08:00:00Z');

    const updated = await json<MemoryJson>([
      'update',
      '--user',
      'alice',
      dentist.id,
      '--content',
      'I went to the dentist and had two fillings',
      '--at',
      '2024-03-07T09:00:00Z',
    ]);
    expectNear(updated.updatedAt, '2024-03-07T09:00:00Z');
    expectNear(updated.createdAt, '2024-03-04T10:00:00Z');

    const bob = await json<{ context: string }>([
      'recall',
      '--user',
      'bob',
      'the dentist',
      '--at',
      '2024-03-06T08:00:00Z',
    ]);
    expect(bob.context).toBe('');
  });

  it('rejects an --at that is not an ISO-8601 instant with exit code 2', async () => {
    const run = await strata(['recall', '--user', 'alice', 'dentist', '--at', 'yesterday']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--at must be an ISO-8601 date or date-time');
  });
});
