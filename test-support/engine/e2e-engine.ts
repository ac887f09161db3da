/**
 * Test helpers for end-to-end tests: the store kinds to run against (SQLite on a real temp
 * file once its store exists, and the in-memory store), temp directories that are always
 * removed, collecting a Readable into a string, and the typed error a call rejects with.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ConfigSchema, type StrataConfigInput } from '../../src/config/schema.ts';
import { MemoryError } from '../../src/errors.ts';
import { createStore } from '../../src/stores/create-store.ts';

export type StoreKind = 'sqlite' | 'memory';

/** Store kinds the factory can build in this checkout (SQLite lands separately). */
export function availableStores(): StoreKind[] {
  const kinds: StoreKind[] = ['memory'];
  try {
    createStore(ConfigSchema.parse({ store: { kind: 'sqlite', path: ':memory:' } }));
    kinds.unshift('sqlite');
  } catch {
    // The SQLite store is not built yet; the memory store still runs every test.
  }
  return kinds;
}

export function tempDir(prefix = 'strata-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function engineConfig(kind: StoreKind, dir: string, extra: StrataConfigInput = {}): StrataConfigInput {
  const store =
    kind === 'sqlite'
      ? { kind: 'sqlite' as const, path: join(dir, 'strata.db') }
      : { kind: 'memory' as const };
  return { dataDir: dir, store, embedder: { kind: 'hash' }, log: { level: 'silent' }, ...extra };
}

export async function readStream(stream: Readable): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** The MemoryError the call rejects with; fails the test if it resolves or throws anything else. */
export async function errorOf(promise: Promise<unknown>): Promise<MemoryError> {
  try {
    await promise;
  } catch (error) {
    if (MemoryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}
