/**
 * `strata migrate --to qdrant --url URL [--api-key K] [--batch N]`: copies every memory
 * with its vector and history from the configured store (SQLite) into Qdrant, resumable
 * through a checkpoint in the data dir (<dataDir>/migrate-qdrant.checkpoint.json), with a
 * progress bar on stderr. Afterwards switch the config to `store: {kind: "qdrant", ...}`.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { StoreConfigSchema } from '../../config/schema.ts';
import { createEmbedder } from '../../embedders/create-embedder.ts';
import { ConfigError, ValidationError } from '../../errors.ts';
import { createStore } from '../../stores/create-store.ts';
import { createQdrantStore, type QdrantStoreConfig } from '../../stores/qdrant/index.ts';
import { migrateStore } from '../../stores/qdrant/migrate.ts';
import { parseInteger } from '../common.ts';
import type { CliContext } from '../types.ts';

interface MigrateFlags {
  to: string;
  url: string;
  apiKey?: string;
  batch?: number;
  collectionPrefix?: string;
  restart?: boolean;
}

export const CHECKPOINT_FILE = 'migrate-qdrant.checkpoint.json';

function targetConfig(flags: MigrateFlags): QdrantStoreConfig {
  const parsed = StoreConfigSchema.safeParse({
    kind: 'qdrant',
    url: flags.url,
    ...(flags.apiKey === undefined ? {} : { apiKey: flags.apiKey }),
    ...(flags.collectionPrefix === undefined ? {} : { collectionPrefix: flags.collectionPrefix }),
    ...(flags.batch === undefined ? {} : { batchSize: flags.batch }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `--${issue?.path.join('.') ?? 'url'}: ${issue?.message ?? 'invalid'} (e.g. --url http://localhost:6333).`,
    );
  }
  return parsed.data as QdrantStoreConfig;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description('Copy all memories (vectors and history) from the configured store to Qdrant, resumably')
    .requiredOption('--to <kind>', 'target store kind (qdrant)')
    .requiredOption('--url <url>', 'Qdrant URL, e.g. http://localhost:6333')
    .option('--api-key <key>', 'Qdrant API key')
    .option('--batch <n>', 'memories per page and upsert batch', parseInteger('--batch', 1))
    .option('--collection-prefix <prefix>', 'Qdrant collection prefix (default strata)')
    .option('--restart', 'ignore a previous checkpoint and copy everything again')
    .action(async (flags: MigrateFlags) => {
      if (flags.to !== 'qdrant') throw new ValidationError(`--to must be "qdrant", got "${flags.to}".`);
      const config = await ctx.loadConfig();
      if (config.store.kind === 'qdrant') {
        throw new ConfigError(
          'The configured store is already Qdrant; migrate copies from sqlite (or memory) to Qdrant.',
        );
      }
      const target = targetConfig(flags);
      const embedder = createEmbedder(config);
      const model = { id: embedder.id, dimensions: embedder.dimensions };
      const source = createStore(config);
      const qdrant = createQdrantStore(target);
      await source.open({ model });
      let bar: ReturnType<CliContext['output']['progress']> | null = null;
      try {
        await qdrant.open({ model });
        const result = await migrateStore({
          source,
          target: qdrant,
          targetId: `${qdrant.location}#${target.collectionPrefix}`,
          checkpointFile: join(config.dataDir, CHECKPOINT_FILE),
          batchSize: flags.batch ?? target.batchSize,
          restart: flags.restart === true,
          onStart: (total, done) => {
            if (done > 0) ctx.output.info(`Resuming after ${done} migrated memories.`);
            bar = ctx.output.progress(total, 'migrate');
            bar.tick(done);
          },
          onProgress: (n) => bar?.tick(n),
        });
        (bar as ReturnType<CliContext['output']['progress']> | null)?.stop();
        const collections = qdrant.collectionsFor(model);
        ctx.output.result({ ...result, url: qdrant.location, collections }, () =>
          [
            `Migrated ${result.migrated} memories of ${result.users} users to ${qdrant.location} (${collections.memories}).`,
            `Qdrant now holds ${result.targetCount} memories; the source has ${result.sourceCount}.`,
            `Next: set store to {"kind": "qdrant", "url": "${qdrant.location}", "collectionPrefix": "${target.collectionPrefix}"} in your config.`,
          ].join('\n'),
        );
      } finally {
        await source.close();
        await qdrant.close();
      }
    });
}
