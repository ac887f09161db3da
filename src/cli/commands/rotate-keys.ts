/**
 * `strata rotate-keys`: re-encrypts every memory and version under the current
 * encryption key. Set the new key as encryption.key (STRATA_ENCRYPTION_KEY) and the old
 * ones in encryption.previousKeys; afterwards the old keys can be dropped.
 */
import type { Command } from 'commander';
import { withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('rotate-keys')
    .description('Re-encrypt all memories under encryption.key (old keys in encryption.previousKeys)')
    .action(async () => {
      const result = await withMemory(ctx, (m) => m.rotateKeys());
      ctx.output.result(result, () => `re-encrypted ${result.rewritten} memories under the current key`);
    });
}
