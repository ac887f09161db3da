/**
 * The directory of Strata's own package.json, found by walking up from a module's URL.
 * Files that ship beside the sources (the static embedding table, package.json, bench/,
 * docs/) are located from here rather than by a fixed number of `..` hops, so the same
 * code finds them whether it runs from src/ through tsx or from the bundled dist/strata.mjs
 * (`npm run build`), where every module shares one import.meta.url.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'strata-memory';
let cached: string | undefined;

/** Strata's package root (this module always lies inside it, bundled or not). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readName(manifest) === PACKAGE_NAME) {
      cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json of ${PACKAGE_NAME} not found above ${import.meta.url}`);
    dir = parent;
  }
}

/** A path inside the package root. */
export function packagePath(...parts: string[]): string {
  return resolve(packageRoot(), ...parts);
}

function readName(manifest: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
  } catch {
    return undefined;
  }
}
