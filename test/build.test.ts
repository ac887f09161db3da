/**
 * The bundled CLI (`npm run build` → dist/strata.mjs, what `npm start` runs): built into a
 * private folder inside the repo (so the package root is found by walking up, as from
 * dist/), then driven as a child process. Proves the bundle finds its files (the static
 * embedding table, package.json) without the tsx loader and keeps users apart.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
let outDir: string;
let dataDir: string;
let bundle: string;

function strata(args: string[]): string {
  const runner = `const { main } = await import(${JSON.stringify(bundle)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', runner], {
    encoding: 'utf8',
    cwd: ROOT,
  });
}

beforeAll(() => {
  outDir = mkdtempSync(join(ROOT, '.tmp-build-'));
  dataDir = mkdtempSync(join(tmpdir(), 'strata-build-data-'));
  bundle = join(outDir, 'strata.mjs');
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), bundle], { cwd: ROOT });
}, 60_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('bundled CLI', () => {
  it('is one self-contained file that does not load TypeScript sources', () => {
    const code = readFileSync(bundle, 'utf8');
    expect(code).not.toMatch(/from\s+["'][^"']+\.ts["']/);
    expect(code).toContain('sourceMappingURL=strata.mjs.map');
  });

  it('prints the package version', () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string })
      .version;
    expect(strata(['--version']).trim()).toBe(version);
  });

  it('adds and searches with the static embedder, one user at a time', () => {
    strata(['--data-dir', dataDir, 'add', '--user', 'alice', 'I love hiking in the Alps']);
    const alice = JSON.parse(
      strata(['--data-dir', dataDir, 'search', '--user', 'alice', 'mountains', '--json']),
    ) as {
      results: Array<{ memory: { content: string } }>;
    };
    expect(alice.results[0]?.memory.content).toBe('I love hiking in the Alps');
    const bob = JSON.parse(strata(['--data-dir', dataDir, 'search', '--user', 'bob', 'mountains', '--json']));
    expect(bob).toEqual({ results: [] });
  });
});
