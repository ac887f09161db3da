/**
 * `strata emotions --user U`: the user's emotional themes (clusters of emotional
 * memories by their emotion vectors) with size, dominant emotions, valence and arousal.
 */
import type { Command } from 'commander';
import { readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('emotions')
    .description("Cluster a user's emotional memories into themes")
    .requiredOption('-u, --user <id>', 'whose memories')
    .action(async (flags: { user: string }) => {
      const clusters = await readMemory(ctx, (m) => m.emotionClusters(flags.user));
      ctx.output.result({ clusters }, () =>
        clusters.length === 0
          ? 'No emotional memories yet.'
          : ctx.output.table(
              clusters.map((c) => ({
                theme: c.label,
                size: c.size,
                emotions: Object.entries(c.emotions)
                  .map(([e, v]) => `${e} ${v.toFixed(2)}`)
                  .join(', '),
                valence: c.valence.toFixed(2),
                arousal: c.arousal.toFixed(2),
              })),
              ['theme', 'size', 'emotions', 'valence', 'arousal'],
            ),
      );
    });
}
