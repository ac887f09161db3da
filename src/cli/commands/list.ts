/**
 * `strata list --user <id>`: a page of one user's memories in creation order, with a
 * cursor for the next page.
 */
import type { Command } from 'commander';
import type { LayerName } from '../../types.ts';
import { MEMORY_COLUMNS, memoryRow, parseInteger, parseJsonObject, readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface ListFlags {
  user: string;
  layer?: string;
  since?: string;
  until?: string;
  tz?: string;
  metadata?: Record<string, unknown>;
  superseded: boolean;
  limit?: number;
  cursor?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('list')
    .description("List a user's memories (oldest first, paginated)")
    .requiredOption('-u, --user <id>', 'whose memories')
    .option('-l, --layer <layer>', 'only this layer')
    .option('--since <when>', 'created at or after (ISO date or natural language)')
    .option('--until <when>', 'created at or before (ISO date or natural language)')
    .option('--tz <zone>', 'IANA time zone for natural-language dates')
    .option(
      '--metadata <json>',
      'only memories whose metadata has these top-level values',
      parseJsonObject('--metadata'),
    )
    .option('--limit <n>', 'page size (default 50)', parseInteger('--limit', 1))
    .option('--cursor <cursor>', 'cursor from the previous page')
    .option('--no-superseded', 'hide memories replaced by a newer fact')
    .action(async (flags: ListFlags) => {
      const page = await readMemory(ctx, (m) =>
        m.list({
          userId: flags.user,
          ...(flags.layer !== undefined && { layer: flags.layer as LayerName }),
          ...(flags.since !== undefined && { since: flags.since }),
          ...(flags.until !== undefined && { until: flags.until }),
          ...(flags.tz !== undefined && { timeZone: flags.tz }),
          ...(flags.metadata !== undefined && { metadata: flags.metadata }),
          ...(flags.limit !== undefined && { limit: flags.limit }),
          ...(flags.cursor !== undefined && { cursor: flags.cursor }),
          includeSuperseded: flags.superseded,
        }),
      );
      ctx.output.result(page, () => {
        const table = ctx.output.table(page.items.map(memoryRow), MEMORY_COLUMNS);
        return page.nextCursor ? `${table}\nnext page: --cursor ${page.nextCursor}` : table;
      });
    });
}
