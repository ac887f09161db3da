/**
 * `strata delete-user --user <id> --yes`: removes every memory and version of one user.
 */
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import { withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('delete-user')
    .description("Delete all of a user's memories (asks for --yes)")
    .requiredOption('-u, --user <id>', 'the user to erase')
    .option('--yes', 'confirm: this cannot be undone')
    .action(async (flags: { user: string; yes?: boolean }) => {
      if (!flags.yes) {
        throw new ValidationError(`Refusing to delete every memory of "${flags.user}" without --yes.`);
      }
      const deleted = await withMemory(ctx, (m) => m.deleteUser(flags.user));
      ctx.output.result(
        { userId: flags.user, deleted },
        () => `Deleted ${deleted} memories of ${flags.user}.`,
      );
    });
}
