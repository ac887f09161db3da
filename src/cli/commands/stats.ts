/**
 * `strata stats [--user <id>]`: counts and bytes per layer, store and embedder details.
 */
import type { Command } from 'commander';
import { readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description('Memory counts and sizes (all users, or one)')
    .option('-u, --user <id>', 'only this user')
    .action(async (flags: { user?: string }) => {
      const stats = await readMemory(ctx, (m) => m.stats(flags.user));
      ctx.output.result(stats, () => {
        const rows = Object.entries(stats.byLayer).map(([layer, s]) => ({
          layer,
          memories: s.count,
          bytes: s.bytes,
        }));
        return [
          `store:    ${stats.store.kind}${stats.store.path ? ` (${stats.store.path})` : ''}`,
          `embedder: ${stats.embedder ? `${stats.embedder.model} (${stats.embedder.dimensions}-d)` : 'n/a'}`,
          `users: ${stats.users}  memories: ${stats.memories}  versions: ${stats.versions}  bytes: ${stats.bytes}`,
          ctx.output.table(rows, ['layer', 'memories', 'bytes']),
        ].join('\n');
      });
    });
}
