/**
 * `strata consolidate [--user U] [--jobs dedupe,conflicts,summarize,replay,retention]`:
 * runs the memory dynamics jobs (merge near-duplicates, resolve conflicts, summarize old
 * episodes, replay important memories, apply the retention policy).
 */
import type { Command } from 'commander';
import type { ConsolidateOptions } from '../../pipeline/consolidate.ts';
import { atOption, collectList, withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface ConsolidateFlags {
  at?: string;
  user?: string;
  jobs?: string[];
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('consolidate')
    .description('Merge near-duplicates, resolve conflicts, summarize old episodes, replay, retention')
    .option('-u, --user <id>', 'only this user (default: all users)')
    .option('--jobs <list>', 'dedupe, conflicts, summarize, replay, retention (comma-separated)', collectList)
    .option(...atOption('ages, decay and merge times'))
    .action(async (flags: ConsolidateFlags) => {
      const options: ConsolidateOptions = {};
      if (flags.user) options.userId = flags.user;
      if (flags.jobs) options.jobs = flags.jobs as NonNullable<ConsolidateOptions['jobs']>;
      const result = await withMemory(ctx, (m) => m.consolidate(options), { at: flags.at });
      ctx.output.result(result, () =>
        ctx.output.table(
          Object.entries(result).map(([job, count]) => ({ result: job, count })),
          ['result', 'count'],
        ),
      );
    });
}
