/**
 * `strata history --user <id> <memoryId>`: every version of a memory, oldest first.
 */
import type { Command } from 'commander';
import { readMemory, versionRow } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('history')
    .description('Show every version of a memory')
    .argument('<id>', 'memory id')
    .requiredOption('-u, --user <id>', 'owner of the memory')
    .action(async (id: string, flags: { user: string }) => {
      const versions = await readMemory(ctx, (m) => m.history(flags.user, id));
      ctx.output.result(versions, () =>
        ctx.output.table(versions.map(versionRow), ['version', 'op', 'at', 'content']),
      );
    });
}
