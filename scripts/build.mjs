#!/usr/bin/env node
// `npm run build`: bundles the CLI (src/cli/main.ts and everything it imports, bench/ included)
// into dist/strata.mjs with esbuild, npm packages left external. bin/strata runs the bundle
// when it is newer than every source file, and falls back to the tsx loader otherwise. The
// point is memory and start-up: on Node 20 the tsx loader runs its hooks on a second thread
// with its own V8 heap (about 30 MB of RSS, measured in docs/performance.md), which the
// bundle does not need. Plain JavaScript so it runs right after `npm ci`.
import { mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(process.argv[2] ?? resolve(root, 'dist/strata.mjs'));
// Written in a scratch folder beside the target, then renamed: a concurrent bin/strata never
// sees half a file, and the source map keeps its final name.
mkdirSync(dirname(outfile), { recursive: true });
const scratch = mkdtempSync(resolve(dirname(outfile), '.build-'));
const partial = resolve(scratch, basename(outfile));
await build({
  entryPoints: [resolve(root, 'src/cli/main.ts')],
  outfile: partial,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
});
renameSync(`${partial}.map`, `${outfile}.map`);
renameSync(partial, outfile);
rmSync(scratch, { recursive: true, force: true });
