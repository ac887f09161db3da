/**
 * Store factory: config → MemoryStore (unopened; the engine calls open() with its model).
 * One branch per store kind; unknown kinds fail with a ConfigError naming the valid ones.
 * Postgres and Qdrant load their client packages on first use (optional peer dependencies).
 * SQLite defaults to <dataDir>/strata.db and gets the at-rest cipher when
 * config.encryption has a key or keyFile.
 */
import { join } from 'node:path';
import type { StrataConfig } from '../config/schema.ts';
import { ConfigError } from '../errors.ts';
import { cipherFromConfig } from '../security/cipher.ts';
import type { Clock } from '../util/clock.ts';
import { InMemoryStore } from './memory/memory-store.ts';
import { createPostgresStore } from './postgres/index.ts';
import { createQdrantStore } from './qdrant/index.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { MemoryStore } from './types.ts';

/** What the store may be given beyond its configuration. */
export interface StoreDeps {
  /** Stamps change-log entries (SQLite). */
  clock?: Clock;
}

export function createStore(config: StrataConfig, deps: StoreDeps = {}): MemoryStore {
  const store = config.store;
  switch (store.kind) {
    case 'memory':
      return new InMemoryStore();
    case 'sqlite':
      return new SqliteStore({
        path: store.path ?? join(config.dataDir, 'strata.db'),
        busyTimeoutMs: store.busyTimeoutMs,
        vectorPrecision: store.vectorPrecision,
        synchronous: store.synchronous ?? 'normal',
        ...(store.keywordIndex ? { keywordIndex: store.keywordIndex } : {}),
        cipher: cipherFromConfig(config.encryption),
        // Unset: beside the database (the data dir by default); ':memory:' gets a key per open.
        ...(config.sync.instanceKeyFile ? { identityFile: config.sync.instanceKeyFile } : {}),
        ...(deps.clock ? { clock: deps.clock } : {}),
      });
    case 'qdrant':
      return createQdrantStore(store, { cipher: cipherFromConfig(config.encryption) });
    case 'postgres':
      return createPostgresStore(store, { cipher: cipherFromConfig(config.encryption) });
    default:
      throw new ConfigError(
        `Store kind "${(store as { kind: string }).kind}" is not available; set store.kind to "sqlite", "memory", "qdrant" or "postgres".`,
      );
  }
}
