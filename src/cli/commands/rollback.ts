/**
 * `strata rollback --user <id> <memoryId> <version>`: restores an earlier version's content
 * as a new version (history is never rewritten).
 */
import type { Command } from 'commander';
import { atOption, describeMemory, parseInteger, withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('rollback')
    .description('Restore an earlier version of a memory (as a new version)')
    .argument('<id>', 'memory id')
    .argument('<version>', 'version to restore', parseInteger('version', 1))
    .requiredOption('-u, --user <id>', 'owner of the memory')
    .option(...atOption("the restored version's time"))
    .action(async (id: string, version: number, flags: { user: string; at?: string }) => {
      const memory = await withMemory(ctx, (m) => m.rollback(flags.user, id, version), { at: flags.at });
      ctx.output.result(
        memory,
        () => `Rolled back to version ${version} as version ${memory.version}\n\n${describeMemory(memory)}`,
      );
    });
}
