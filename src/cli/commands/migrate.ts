/**
 * `strata migrate --to qdrant|postgres|sqlite ...`: copies every memory with its vector and
 * history from the configured store into another store, in any direction between SQLite,
 * Postgres and Qdrant (`--url` for Qdrant and Postgres, `--path` for a SQLite file),
 * resumable through a checkpoint in the data dir (<dataDir>/migrate-<kind>.checkpoint.json),
 * with a progress bar on stderr. The target gets the configured encryption key, so an
 * encrypted store stays encrypted. Afterwards switch the config's `store` section to the
 * one printed.
 */
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type StoreConfig, StoreConfigSchema } from '../../config/schema.ts';
import { createEmbedder } from '../../embedders/create-embedder.ts';
import { ConfigError, ValidationError } from '../../errors.ts';
import { createStore } from '../../stores/create-store.ts';
import { redactUrl } from '../../stores/postgres/connection.ts';
import { QdrantStore } from '../../stores/qdrant/index.ts';
import { migrateStore } from '../../stores/qdrant/migrate.ts';
import { parseInteger } from '../common.ts';
import type { CliContext } from '../types.ts';

interface MigrateFlags {
  to: string;
  url?: string;
  path?: string;
  apiKey?: string;
  batch?: number;
  collectionPrefix?: string;
  poolSize?: number;
  restart?: boolean;
}

const TARGETS = ['qdrant', 'postgres', 'sqlite'] as const;
type TargetKind = (typeof TARGETS)[number];

/** The Qdrant checkpoint keeps its original name; other targets get their own. */
export const CHECKPOINT_FILE = 'migrate-qdrant.checkpoint.json';
export const checkpointFileFor = (kind: TargetKind) =>
  kind === 'qdrant' ? CHECKPOINT_FILE : `migrate-${kind}.checkpoint.json`;

const EXAMPLES: Record<TargetKind, string> = {
  qdrant: '--url http://localhost:6333',
  postgres: '--url postgres://strata:secret@localhost:5432/strata',
  sqlite: '--path ./strata.db',
};

function targetConfig(kind: TargetKind, flags: MigrateFlags): StoreConfig {
  const input =
    kind === 'qdrant'
      ? {
          kind,
          url: flags.url,
          ...(flags.apiKey === undefined ? {} : { apiKey: flags.apiKey }),
          ...(flags.collectionPrefix === undefined ? {} : { collectionPrefix: flags.collectionPrefix }),
          ...(flags.batch === undefined ? {} : { batchSize: flags.batch }),
        }
      : kind === 'postgres'
        ? { kind, url: flags.url, ...(flags.poolSize === undefined ? {} : { poolSize: flags.poolSize }) }
        : { kind, path: flags.path === undefined ? undefined : resolve(flags.path) };
  if (kind === 'sqlite' && flags.path === undefined) {
    throw new ValidationError(`--to sqlite needs --path (e.g. ${EXAMPLES.sqlite}).`);
  }
  if (kind !== 'sqlite' && flags.url === undefined) {
    throw new ValidationError(`--to ${kind} needs --url (e.g. ${EXAMPLES[kind]}).`);
  }
  const parsed = StoreConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `--${issue?.path.join('.') ?? 'url'}: ${issue?.message ?? 'invalid'} (e.g. ${EXAMPLES[kind]}).`,
    );
  }
  return parsed.data;
}

/** Where a store config points, to refuse copying a store onto itself. */
function whereIs(store: StoreConfig, dataDir: string): string {
  switch (store.kind) {
    case 'sqlite':
      return `sqlite:${resolve(store.path ?? join(dataDir, 'strata.db'))}`;
    case 'qdrant':
      return `qdrant:${store.url.replace(/\/+$/, '')}#${store.collectionPrefix}`;
    case 'postgres':
      return `postgres:${redactUrl(store.url)}`;
    case 'memory':
      return 'memory';
  }
}

/** The `store` section to put in the config afterwards (no secrets). */
function nextStoreSection(store: StoreConfig, location: string): Record<string, unknown> {
  switch (store.kind) {
    case 'qdrant':
      return { kind: 'qdrant', url: location, collectionPrefix: store.collectionPrefix };
    case 'postgres':
      return { kind: 'postgres', url: location };
    case 'sqlite':
      return { kind: 'sqlite', path: store.path };
    case 'memory':
      return { kind: 'memory' };
  }
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('migrate')
    .description(
      'Copy all memories (vectors and history) from the configured store to another store (qdrant, postgres or sqlite), resumably',
    )
    .requiredOption('--to <kind>', 'target store kind: qdrant, postgres or sqlite')
    .option(
      '--url <url>',
      'Qdrant URL (http://localhost:6333) or Postgres connection string (postgres://...)',
    )
    .option('--path <file>', 'SQLite file of the target (with --to sqlite)')
    .option('--api-key <key>', 'Qdrant API key')
    .option('--batch <n>', 'memories per page and write batch', parseInteger('--batch', 1))
    .option('--collection-prefix <prefix>', 'Qdrant collection prefix (default strata)')
    .option('--pool-size <n>', 'Postgres connections (default 10)', parseInteger('--pool-size', 1))
    .option('--restart', 'ignore a previous checkpoint and copy everything again')
    .action(async (flags: MigrateFlags) => {
      if (!(TARGETS as readonly string[]).includes(flags.to)) {
        throw new ValidationError(`--to must be one of ${TARGETS.join(', ')}; got "${flags.to}".`);
      }
      const kind = flags.to as TargetKind;
      const config = await ctx.loadConfig();
      const target = targetConfig(kind, flags);
      if (whereIs(target, config.dataDir) === whereIs(config.store, config.dataDir)) {
        throw new ConfigError(
          `The configured store is already that ${kind} store; migrate copies from the configured store to another one.`,
        );
      }
      const embedder = createEmbedder(config);
      const model = { id: embedder.id, dimensions: embedder.dimensions };
      const source = createStore(config);
      const destination = createStore({ ...config, store: target });
      await source.open({ model });
      let bar: ReturnType<CliContext['output']['progress']> | null = null;
      try {
        await destination.open({ model });
        const result = await migrateStore({
          source,
          target: destination,
          targetId: whereIs(target, config.dataDir),
          checkpointFile: join(config.dataDir, checkpointFileFor(kind)),
          batchSize: flags.batch ?? (target.kind === 'qdrant' ? target.batchSize : 500),
          restart: flags.restart === true,
          onStart: (total, done) => {
            if (done > 0) ctx.output.info(`Resuming after ${done} migrated memories.`);
            bar = ctx.output.progress(total, 'migrate');
            bar.tick(done);
          },
          onProgress: (n) => bar?.tick(n),
        });
        (bar as ReturnType<CliContext['output']['progress']> | null)?.stop();
        const collections =
          destination instanceof QdrantStore ? destination.collectionsFor(model) : undefined;
        const next = nextStoreSection(target, destination.location);
        ctx.output.result(
          {
            ...result,
            to: kind,
            url: destination.location,
            location: destination.location,
            ...(collections ? { collections } : {}),
          },
          () =>
            [
              `Migrated ${result.migrated} memories of ${result.users} users to ${destination.location}${collections ? ` (${collections.memories})` : ''}.`,
              `The ${kind} store now holds ${result.targetCount} memories; the source has ${result.sourceCount}.`,
              `Next: set store to ${JSON.stringify(next)} in your config${kind === 'postgres' ? ' (with the password in the url)' : ''}.`,
            ].join('\n'),
        );
      } finally {
        await source.close();
        await destination.close();
      }
    });
}
