/**
 * `strata restore FILE`: replaces the SQLite database in the data dir with a backup. It
 * refuses while a server holds the data dir, checks the backup's integrity first
 * (PRAGMA integrity_check, and that it is a Strata database), copies it to a temp file
 * beside the target and renames it into place, and keeps the previous database as
 * `<db>.before-restore-<time>` so a wrong restore can be undone. On the Qdrant store FILE is a
 * snapshot directory from `strata backup`, uploaded back into Qdrant. `--from-peer` rebuilds
 * the store from a sync peer instead (cli/restore-from-peer.ts).
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ConflictError, ValidationError } from '../../errors.ts';
import { heldBy } from '../../server/pid-lock.ts';
import { nowIso, systemClock } from '../../util/clock.ts';
import { restoreFromPeer } from '../restore-from-peer.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('restore')
    .description(
      'Restore the SQLite store from a backup file, or rebuild it from a sync peer (server must be stopped)',
    )
    .argument('[file]', 'backup written by `strata backup` or a scheduled backup')
    .option('--from-peer <url|name>', 'rebuild from this sync peer’s copy of the change log instead')
    .action(async (file: string | undefined, flags: { fromPeer?: string }) => {
      if (flags.fromPeer !== undefined) {
        if (file !== undefined) throw new ValidationError('Give a backup file or --from-peer, not both.');
        return restoreFromPeer(ctx, flags.fromPeer);
      }
      if (file === undefined)
        throw new ValidationError('Give the backup file to restore, or --from-peer <url>.');
      const config = await ctx.loadConfig();
      if (config.store.kind === 'qdrant') {
        // Qdrant: FILE is a backup directory of snapshots written by `strata backup`.
        const { restoreQdrantBackup } = await import('../../stores/qdrant/index.ts');
        const from = resolve(file);
        const { url } = config.store;
        const restored = (await restoreQdrantBackup(config.store, from)).collections.map((c) => c.collection);
        ctx.output.result(
          { restored, from, url },
          () => `Restored ${restored.join(', ')} on ${url} from ${from}`,
        );
        return;
      }
      if (config.store.kind !== 'sqlite') {
        throw new ConfigError(
          `restore works on the sqlite store; this config uses "${config.store.kind}" (use Qdrant snapshots there).`,
        );
      }
      const source = resolve(file);
      if (!existsSync(source)) throw new ValidationError(`Backup file ${source} does not exist.`);
      const holder = heldBy(config.dataDir);
      if (holder) {
        throw new ConflictError(
          `A strata server (pid ${holder}) is using ${config.dataDir}; stop it before restoring.`,
        );
      }
      await verifyBackup(source);
      const target = resolve(config.store.path ?? join(config.dataDir, 'strata.db'));
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}.restore-${process.pid}.tmp`;
      copyFileSync(source, temp);
      let previous: string | undefined;
      if (existsSync(target)) {
        previous = `${target}.before-restore-${nowIso(systemClock).replace(/[:.]/g, '-')}`;
        renameSync(target, previous);
      }
      for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
      renameSync(temp, target);
      ctx.output.result({ restored: target, from: source, previous: previous ?? null }, () =>
        [`Restored ${target} from ${source}`, previous ? `Previous database kept as ${previous}` : '']
          .filter(Boolean)
          .join('\n'),
      );
    });
}

/** Tables every Strata SQLite database has; a backup without them is refused. */
const STRATA_TABLES = ['memories', 'versions', 'meta'];

async function verifyBackup(file: string): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  let db: InstanceType<typeof Database> | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok')
      throw new ValidationError(`Backup ${file} failed the integrity check: ${String(result)}.`);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{
      name: string;
    }>;
    const names = new Set(tables.map((t) => t.name));
    const missing = STRATA_TABLES.filter((name) => !names.has(name));
    if (missing.length > 0) {
      throw new ValidationError(
        `Backup ${file} is not a Strata database (missing tables: ${missing.join(', ')}); nothing was changed.`,
      );
    }
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    throw new ValidationError(
      `Backup ${file} is not a readable SQLite database: ${(error as Error).message}`,
    );
  } finally {
    db?.close();
  }
}
