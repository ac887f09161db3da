/**
 * The Qdrant store's public surface: build a QdrantStore from the `store` section of the
 * config (`{kind: "qdrant", url, apiKey, collectionPrefix, ...}`), plus the pieces tools
 * need (migrate, backup/restore).
 */
import type { StoreConfig } from '../../config/schema.ts';
import type { Cipher } from '../../security/cipher.ts';
import type { Logger } from '../../util/logger.ts';
import { QdrantStore } from './store.ts';

export type QdrantStoreConfig = Extract<StoreConfig, { kind: 'qdrant' }>;

export { START_HINT } from './errors.ts';

import type { BackupManifest } from './snapshots.ts';

export { QdrantStore, type QdrantStoreOptions } from './store.ts';
export type { BackupManifest };

export function createQdrantStore(
  config: QdrantStoreConfig,
  options: { logger?: Logger; cipher?: Cipher | null } = {},
): QdrantStore {
  return new QdrantStore({
    url: config.url,
    apiKey: config.apiKey,
    prefix: config.collectionPrefix,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    batchSize: config.batchSize,
    parallelism: config.parallelism,
    shardNumber: config.shardNumber,
    replicationFactor: config.replicationFactor,
    writeConsistencyFactor: config.writeConsistencyFactor,
    onDiskPayload: config.onDiskPayload,
    quantization: config.quantization,
    cipher: options.cipher ?? null,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/**
 * Restores a backup directory written by QdrantStore.backup() (snapshots + manifest) into
 * the Qdrant server of the given store config: each collection is replaced by its snapshot.
 */
export async function restoreQdrantBackup(
  config: QdrantStoreConfig,
  source: string,
  options: { logger?: Logger } = {},
): Promise<BackupManifest> {
  return createQdrantStore(config, options).restoreBackup(source);
}
