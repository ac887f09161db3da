import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES } from '../errors.ts';
import { COMMANDS, EXIT_CODES, main } from './main.ts';

let dir: string;
let stderr: string;
let stdout: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-main-'));
  stderr = '';
  stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

function config(extra: Record<string, unknown> = {}): string {
  const file = join(dir, 'strata.config.json');
  writeFileSync(
    file,
    JSON.stringify({ dataDir: dir, store: { kind: 'memory' }, embedder: { kind: 'hash' }, ...extra }),
  );
  return file;
}

describe('cli main', () => {
  it('maps every error code to a non-zero exit code', () => {
    for (const code of ERROR_CODES) expect(EXIT_CODES[code]).toBeGreaterThan(0);
    expect(new Set(COMMANDS.map(([name]) => name)).size).toBe(COMMANDS.length);
  });

  it('runs a command in-process with --json', async () => {
    const code = await main(['--config', config(), 'add', '--user', 'alice', 'hello', 'world', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ userId: 'alice', content: 'hello world', version: 1 });
  });

  it('prints errors without stack traces unless --debug', async () => {
    const file = config();
    expect(await main(['--config', file, 'get', 'nope', '--user', 'alice'])).toBe(3);
    expect(stderr).toMatch(/^strata: Memory nope was not found for user alice.*\[not_found\]\n$/);
    stderr = '';
    expect(await main(['--config', file, '--debug', 'get', 'nope', '--user', 'alice'])).toBe(3);
    expect(stderr).toContain('NotFoundError');
    expect(stderr).toMatch(/\n\s+at /);
  });

  it('rejects bad option values and missing options as usage errors', async () => {
    expect(await main(['--config', config(), 'search', '--user', 'a', '-k', 'lots', 'q'])).toBe(2);
    expect(stderr).toContain('-k must be an integer');
    expect(await main(['--config', config(), 'add', 'text'])).toBe(2);
    expect(stderr).toContain("required option '-u, --user <id>'");
  });

  it('reports a broken config file as a config error', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"store":{"kind":"nosql"}}');
    expect(await main(['--config', file, 'stats', '--json'])).toBe(10);
    expect(JSON.parse(stderr)).toMatchObject({ error: { code: 'config_error' } });
    expect(stderr).toContain('store.kind');
  });
});
