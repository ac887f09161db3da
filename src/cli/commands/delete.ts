/**
 * `strata delete --user <id> <memoryId>`: removes one memory and its history.
 */
import type { Command } from 'commander';
import { atOption, withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description('Delete a memory and its history')
    .argument('<id>', 'memory id')
    .requiredOption('-u, --user <id>', 'owner of the memory')
    .option(...atOption('the deletion time'))
    .action(async (id: string, flags: { user: string; at?: string }) => {
      await withMemory(ctx, (m) => m.delete(flags.user, id), { at: flags.at });
      ctx.output.result({ deleted: id }, () => `Deleted memory ${id}`);
    });
}
