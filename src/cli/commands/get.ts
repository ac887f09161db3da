/**
 * `strata get --user <id> <memoryId>`: one memory with all fields.
 */
import type { Command } from 'commander';
import { describeMemory, readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('Show one memory')
    .argument('<id>', 'memory id')
    .requiredOption('-u, --user <id>', 'owner of the memory')
    .action(async (id: string, flags: { user: string }) => {
      const memory = await readMemory(ctx, (m) => m.get(flags.user, id));
      ctx.output.result(memory, () => describeMemory(memory));
    });
}
