/**
 * The compiled package (`npm run build` → dist/, what bin/strata and the published package
 * run): built into a private folder inside the repo (so the package root is found by
 * walking up, as from dist/), then driven as a child process. Proves the JavaScript imports
 * no TypeScript sources, that the inspector's static files are copied beside their module, that the declaration files name `.js` modules, that the compiled
 * CLI finds its files (the static embedding table, package.json) without the tsx loader,
 * and that it keeps users apart.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
let outDir: string;
let dataDir: string;
let main: string;

function strata(args: string[]): string {
  const runner = `const { main } = await import(${JSON.stringify(main)}); process.exitCode = await main(${JSON.stringify(args)});`;
  return execFileSync(process.execPath, ['--input-type=module', '-e', runner], {
    encoding: 'utf8',
    cwd: ROOT,
  });
}

beforeAll(() => {
  outDir = join(mkdtempSync(join(ROOT, '.tmp-build-')), 'dist');
  dataDir = mkdtempSync(join(tmpdir(), 'strata-build-data-'));
  main = join(outDir, 'src/cli/main.js');
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), outDir], { cwd: ROOT });
}, 120_000);

afterAll(() => {
  rmSync(resolve(outDir, '..'), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

describe('compiled package', () => {
  it('emits JavaScript that imports no TypeScript sources, and .d.ts that name .js modules', () => {
    for (const file of ['src/index.js', 'src/cli/main.js', 'src/engine/engine.js']) {
      expect(readFileSync(join(outDir, file), 'utf8')).not.toMatch(/(from|import\()\s*["'][^"']+\.ts["']/);
    }
    const types = readFileSync(join(outDir, 'src/index.d.ts'), 'utf8');
    expect(types).toContain("from './engine/engine.js'");
    expect(types).not.toMatch(/from\s+["'][^"']+\.ts["']/);
    expect(readFileSync(join(outDir, '.built'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('ships the inspector page beside its compiled module, which finds it there', () => {
    const routes = join(outDir, 'src/integrations/inspector/routes.js');
    const runner = `const { loadAssets } = await import(${JSON.stringify(routes)}); console.log([...loadAssets().keys()].sort().join(' '));`;
    const names = execFileSync(process.execPath, ['--input-type=module', '-e', runner], {
      encoding: 'utf8',
      cwd: ROOT,
    });
    expect(names.trim().split(' ')).toEqual(
      expect.arrayContaining(['app.css', 'app.js', 'favicon.svg', 'index.html']),
    );
    const source = readFileSync(join(ROOT, 'src/integrations/inspector/assets/app.js'), 'utf8');
    expect(readFileSync(join(outDir, 'src/integrations/inspector/assets/app.js'), 'utf8')).toBe(source);
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
