/**
 * `strata backup [--out FILE]`: an online backup of the store (SQLite backup API; safe
 * while a server runs) to FILE or to `<dataDir>/backups/` with the configured rotation.
 */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { backupFileName, rotateBackups } from '../../server/backups.ts';
import { systemClock } from '../../util/clock.ts';
import { withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('backup')
    .description('Write an online backup of the store')
    .option('-o, --out <file>', 'backup file (default <dataDir>/backups/strata-backup-<time>.db)')
    .action(async (flags: { out?: string }) => {
      const config = await ctx.loadConfig();
      const dir = config.server.backups.dir ?? join(config.dataDir, 'backups');
      const target = flags.out ?? join(dir, backupFileName(systemClock.now()));
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dirname(target), { recursive: true });
      const file = await withMemory(ctx, (memory) => memory.backup(target));
      if (!flags.out) rotateBackups(dir, config.server.backups.retain);
      ctx.output.result({ file }, () => `Backup written to ${file}`);
    });
}
