#!/usr/bin/env node
// `npm run build` (also run by `npm start`, `npm run bench` and `npm pack`): compiles src/,
// bench/ and eval/ with tsc (tsconfig.build.json) into dist/ as ESM JavaScript plus `.d.ts`,
// what the published package ships: the library entry points (dist/src/index.js,
// dist/src/integrations/ai-sdk/index.js) and the CLI that bin/strata runs
// (dist/src/cli/main.js). One module per source file, so the CLI's lazy imports stay lazy
// (`strata add` loads neither the HTTP server nor the benchmark, and engines only some
// configurations use are imported when configured), plus the static files of every
// src/**/assets/ folder (the inspector page). Plain JavaScript so it runs right after `npm ci`.
//
//   node scripts/build.mjs [OUT_DIR]     (default dist/)
//
// Written in a scratch folder beside the target, then swapped in, so a concurrent
// bin/strata never runs half a build; dist/.built is written last and is what bin/strata
// compares with the sources' modification times.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'dist'));
mkdirSync(dirname(outDir), { recursive: true });
const scratch = mkdtempSync(join(dirname(outDir), `.${basename(outDir)}-build-`));

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', scratch], {
    cwd: root,
    stdio: 'inherit',
  });
} catch {
  rmSync(scratch, { recursive: true, force: true });
  console.error('build: tsc failed (see the errors above); dist/ was left as it was.');
  process.exit(1);
}

// tsc rewrites `./x.ts` to `./x.js` in JavaScript (rewriteRelativeImportExtensions) but keeps
// `.ts` in declaration files, where a consumer's compiler looks for a `.ts` file that the
// package does not ship. Point them at the `.js` files (whose `.d.ts` sit beside them).
const relativeTs = /((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]+?)\.ts(['"])/g;
const walk = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const fixed = text.replace(relativeTs, '$1$2.js$3');
      if (fixed !== text) writeFileSync(path, fixed);
    }
  }
};
walk(scratch);

// Static files tsc does not emit: every `assets/` folder under src/ (the inspector page's
// HTML, script and styles) is copied beside its compiled module, which reads it from there.
const copyAssets = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name);
    if (entry.name === 'assets') cpSync(path, join(scratch, relative(root, path)), { recursive: true });
    else copyAssets(path);
  }
};
copyAssets(join(root, 'src'));
writeFileSync(join(scratch, '.built'), `${new Date().toISOString()}\n`);

const old = `${scratch}-old`;
if (existsSync(outDir)) renameSync(outDir, old);
renameSync(scratch, outDir);
rmSync(old, { recursive: true, force: true });
