/**
 * `strata recall --user U "message"`: prints the framed memory context block a model
 * would get before answering that message (`--json`: the context and ranked memories).
 */
import type { Command } from 'commander';
import { atOption, parseInteger, readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface RecallFlags {
  at?: string;
  user: string;
  chat?: string;
  maxTokens?: number;
  k?: number;
  tz?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('recall')
    .description('Recall the memory context block for a message')
    .argument('<message...>', 'the user message to recall for')
    .requiredOption('-u, --user <id>', 'whose memories')
    .option('-c, --chat <id>', 'chat id')
    .option(
      '--max-tokens <n>',
      'token budget of the block (default config recall.maxTokens)',
      parseInteger('--max-tokens', 16),
    )
    .option('-k, --k <n>', 'how many ranked memories to return', parseInteger('-k', 1))
    .option('--tz <zone>', 'IANA time zone for time expressions in the message')
    .option(...atOption('time expressions ("yesterday"), recency and last-access times'))
    .action(async (words: string[], flags: RecallFlags) => {
      const result = await readMemory(
        ctx,
        (m) =>
          m.recall({
            userId: flags.user,
            messages: [{ role: 'user', content: words.join(' ') }],
            ...(flags.chat !== undefined && { chatId: flags.chat }),
            ...(flags.maxTokens !== undefined && { maxTokens: flags.maxTokens }),
            ...(flags.k !== undefined && { k: flags.k }),
            ...(flags.tz !== undefined && { timeZone: flags.tz }),
          }),
        { at: flags.at },
      );
      ctx.output.result(result, () => result.context || 'No memories to recall.');
    });
}
