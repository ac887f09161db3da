/**
 * `strata observe --user U --chat C --user-msg "..." [--assistant-msg "..."] [--at ISO]
 * [--tz Zone]`: files one turn through the layer pipeline and prints what was stored.
 */
import type { Command } from 'commander';
import type { TurnInput } from '../../types.ts';
import { withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface ObserveFlags {
  user: string;
  chat: string;
  userMsg: string;
  assistantMsg?: string;
  at?: string;
  tz?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('observe')
    .description('Observe one turn (user message + optional assistant reply) through the memory layers')
    .requiredOption('-u, --user <id>', 'whose turn')
    .option('-c, --chat <id>', 'chat id', 'default')
    .requiredOption('--user-msg <text>', 'the user message')
    .option('--assistant-msg <text>', 'the assistant reply')
    .option('--at <iso>', 'when the turn happened (ISO-8601; default now)')
    .option('--tz <zone>', 'IANA time zone of the user (default config timeZone)')
    .action(async (flags: ObserveFlags) => {
      const turn: TurnInput = {
        userId: flags.user,
        chatId: flags.chat,
        messages: [
          { role: 'user', content: flags.userMsg },
          ...(flags.assistantMsg ? [{ role: 'assistant' as const, content: flags.assistantMsg }] : []),
        ],
        ...(flags.at !== undefined && { timestamp: flags.at }),
        ...(flags.tz !== undefined && { timeZone: flags.tz }),
      };
      const result = await withMemory(ctx, (m) => m.observeTurn(turn));
      ctx.output.result(result, () =>
        result.skipped
          ? `Turn ${result.turnId} was already observed; nothing new stored.`
          : `${result.stored.length} stored, ${result.updated.length} updated (turn ${result.turnId})\n${ctx.output.table(
              result.stored.map((m) => ({ id: m.id, layer: m.layer, content: m.content })),
              ['id', 'layer', 'content'],
            )}`,
      );
    });
}
