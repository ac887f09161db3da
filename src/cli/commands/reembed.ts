/**
 * `strata reembed`: re-embeds every memory whose vector came from another model (after
 * changing embedder settings); the only path that may open a store made by another model.
 */
import type { Command } from 'commander';
import { withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('reembed')
    .description('Re-embed all memories with the configured embedder (after a model change)')
    .action(async () => {
      let bar: ReturnType<CliContext['output']['progress']> | null = null;
      let last = 0;
      const result = await withMemory(ctx, (m) =>
        m.reembed(({ done, total }) => {
          bar ??= ctx.output.progress(total, 'reembed');
          bar.tick(done - last);
          last = done;
        }),
      );
      (bar as ReturnType<CliContext['output']['progress']> | null)?.stop();
      ctx.output.result(result, () => `Re-embedded ${result.reembedded} memories.`);
    });
}
