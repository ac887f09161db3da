/**
 * The layer rules (.dependency-cruiser.cjs, run in CI as `npm run check:arch`) hold on this
 * tree, and they would catch a regression: a copy of the tree with planted violations (an
 * upward import, a cycle between two ground-floor folders, shipped code importing test
 * support, inner code importing the public index) fails, naming each rule. And "now" has one
 * source: no shipped file reads the wall clock except src/util/clock.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

function checkArch(cwd: string): { status: number | null; output: string } {
  const run = spawnSync('npm', ['run', '-s', 'check:arch'], { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('architecture rules', () => {
  const copy = mkdtempSync(join(tmpdir(), 'strata-arch-'));
  afterAll(() => rmSync(copy, { recursive: true, force: true }));

  it('hold on the tree as it is', () => {
    const { status, output } = checkArch(ROOT);
    expect(output).not.toContain('error ');
    expect(status).toBe(0);
  });

  it('fail on planted upward imports, folder cycles and test support in shipped code', () => {
    for (const entry of ['src', 'bench', 'eval', 'test-support', 'vendor', 'models']) {
      cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
    }
    for (const file of ['package.json', 'tsconfig.json', '.dependency-cruiser.cjs']) {
      cpSync(join(ROOT, file), join(copy, file));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const plant = (path: string, text: string) => writeFileSync(join(copy, path), text);
    plant('src/stores/planted-upward.ts', "export * from '../server/app.ts';\n");
    plant('src/text/planted-a.ts', "export { b } from '../config/planted-b.ts';\nexport const a = 1;\n");
    plant('src/config/planted-b.ts', "import { a } from '../text/planted-a.ts';\nexport const b = a;\n");
    plant('src/engine/planted-support.ts', "export * from '../../test-support/stores/store-fixtures.ts';\n");
    plant('src/pipeline/planted-index.ts', "export { createMemory } from '../index.ts';\n");
    plant('bench/planted-cli.ts', "export * from '../src/cli/main.ts';\n");

    const { status, output } = checkArch(copy);
    expect(status).not.toBe(0);
    expect(output).toMatch(
      /no-upward-from-stores-and-embedders: src\/stores\/planted-upward\.ts → src\/server/,
    );
    expect(output).toMatch(/no-folder-cycles: src\/(text|config)/);
    expect(output).toMatch(/no-module-cycles: src\/(text|config)\/planted-/);
    expect(output).toMatch(/no-test-support-in-shipped-code: src\/engine\/planted-support\.ts/);
    expect(output).toMatch(/no-public-index-inside: src\/pipeline\/planted-index\.ts/);
    expect(output).toMatch(/no-sideways-bench-to-src-cli: bench\/planted-cli\.ts/);
  });
});

describe('time', () => {
  it('comes from the one clock: no Date.now() or new Date() outside src/util/clock.ts', () => {
    const files = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== join('util', 'clock.ts'),
    );
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((file) =>
      readFileSync(join(ROOT, 'src', file), 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          /\bDate\.now\(\)|new Date\(\)/.test(line) ? [`src/${file}:${index + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(offenders).toEqual([]);
  });
});
