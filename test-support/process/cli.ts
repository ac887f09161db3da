/**
 * Helpers for tests that run `node bin/strata` as a child process: the script's path, and
 * the environment to run it in, without any STRATA_* variable from the developer's shell,
 * so a local setting never changes what a test sees.
 */
import { resolve } from 'node:path';

export const BIN = resolve(import.meta.dirname, '../../bin/strata');

export function cleanEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('STRATA_')));
}
