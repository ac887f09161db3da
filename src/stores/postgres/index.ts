/**
 * The Postgres store's public surface: build a PostgresStore from the `store` section of
 * the config (`{kind: "postgres", url, poolSize, retries}`).
 */
import type { StoreConfig } from '../../config/schema.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { Logger } from '../../util/logger.ts';
import { PostgresStore } from './store.ts';

export type PostgresStoreConfig = Extract<StoreConfig, { kind: 'postgres' }>;

export { PostgresStore, type PostgresStoreOptions } from './store.ts';

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
