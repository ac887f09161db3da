/**
 * The Postgres store's public surface: build a PostgresStore from the `store` section of
 * the config (`{kind: "postgres", url, poolSize, retries}`).
 */
import type { StoreConfig } from '../../config/schema.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { Logger } from '../../util/logger.ts';
import { PostgresConnection } from './connection.ts';
import { dropStrataTables } from './migrations.ts';
import { PostgresStore } from './store.ts';

export type PostgresStoreConfig = Extract<StoreConfig, { kind: 'postgres' }>;

export { PostgresStore, type PostgresStoreOptions } from './store.ts';

/** Drops every Strata table of the database at `url` (a fresh, empty store on next open). */
export async function dropPostgresStore(url: string): Promise<void> {
  const connection = new PostgresConnection({ url, poolSize: 1, retries: 0 });
  try {
    await dropStrataTables(connection);
  } finally {
    await connection.close();
  }
}

export function createPostgresStore(
  config: PostgresStoreConfig,
  options: { logger?: Logger; cipher?: Cipher | null } = {},
): PostgresStore {
  return new PostgresStore({
    url: config.url,
    poolSize: config.poolSize,
    retries: config.retries,
    cipher: options.cipher ?? null,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}
