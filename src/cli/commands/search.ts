/**
 * `strata search --user <id> <query...>`: hybrid (vector + keyword) search of one user's
 * memories, with layer, time (ISO or "last week") and mode filters.
 */
import type { Command } from 'commander';
import type { LayerName } from '../../types.ts';
import { atOption, collectList, parseInteger, parseJsonObject, readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface SearchFlags {
  at?: string;
  user: string;
  k?: number;
  layer?: string[];
  since?: string;
  until?: string;
  tz?: string;
  metadata?: Record<string, unknown>;
  includeSuperseded?: boolean;
  mode?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('search')
    .description(
      'Search a user\'s memories (hybrid vector + keyword; AND/OR/NOT, "phrases", prefix*, fuzzy~)',
    )
    .argument('<query...>', 'what to look for')
    .requiredOption('-u, --user <id>', 'whose memories')
    .option('-k, --k <n>', 'number of results (default 10)', parseInteger('-k', 1))
    .option('-l, --layer <layer>', 'only these layers (repeatable or comma-separated)', collectList)
    .option('--since <when>', 'created at or after (ISO date or "last week", "yesterday", "in March")')
    .option('--until <when>', 'created at or before (ISO date or natural language)')
    .option('--tz <zone>', 'IANA time zone for natural-language dates (default config timeZone)')
    .option(
      '--metadata <json>',
      'only memories whose metadata has these top-level values',
      parseJsonObject('--metadata'),
    )
    .option('--mode <mode>', 'hybrid | vector | keyword (default hybrid)')
    .option('--include-superseded', 'also return memories replaced by a newer fact')
    .option(...atOption('relative time expressions ("last week") and recency'))
    .action(async (words: string[], flags: SearchFlags) => {
      const results = await readMemory(
        ctx,
        (m) =>
          m.search({
            userId: flags.user,
            query: words.join(' '),
            ...(flags.k !== undefined && { k: flags.k }),
            ...(flags.layer !== undefined && { layers: flags.layer as LayerName[] }),
            ...(flags.since !== undefined && { since: flags.since }),
            ...(flags.until !== undefined && { until: flags.until }),
            ...(flags.tz !== undefined && { timeZone: flags.tz }),
            ...(flags.metadata !== undefined && { metadata: flags.metadata }),
            ...(flags.mode !== undefined && { mode: flags.mode as 'hybrid' }),
            ...(flags.includeSuperseded === true && { includeSuperseded: true }),
          }),
        { at: flags.at },
      );
      ctx.output.result({ results }, () =>
        results.length === 0
          ? 'No matching memories.'
          : ctx.output.table(
              results.map((r, i) => ({
                '#': i + 1,
                score: r.score,
                id: r.memory.id,
                layer: r.memory.layer,
                created: r.memory.createdAt.slice(0, 10),
                content: r.memory.content,
              })),
              ['#', 'score', 'id', 'layer', 'created', 'content'],
            ),
      );
    });
}
