/**
 * `strata add --user <id> <text...>`: stores one memory ("-" reads the text from stdin).
 */
import type { Command } from 'commander';
import type { LayerName } from '../../types.ts';
import { atOption, describeMemory, parseJsonObject, parseNumber, readStdin, withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface AddFlags {
  at?: string;
  user: string;
  layer?: string;
  importance?: number;
  metadata?: Record<string, unknown>;
  createdAt?: string;
  id?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('add')
    .description('Store a memory for a user')
    .argument('<text...>', 'the memory text ("-" reads stdin)')
    .requiredOption('-u, --user <id>', 'owner of the memory')
    .option('-l, --layer <layer>', 'memory layer (default semantic)')
    .option('--importance <0..1>', 'importance from 0 to 1', parseNumber('--importance'))
    .option('--metadata <json>', 'JSON object of metadata', parseJsonObject('--metadata'))
    .option('--created-at <iso>', 'original creation time (ISO-8601)')
    .option('--id <id>', 'explicit memory id')
    .option(...atOption("the memory's creation time"))
    .action(async (words: string[], flags: AddFlags) => {
      const text = words.length === 1 && words[0] === '-' ? await readStdin() : words.join(' ');
      const memory = await withMemory(
        ctx,
        (m) =>
          m.add({
            userId: flags.user,
            content: text,
            ...(flags.layer !== undefined && { layer: flags.layer as LayerName }),
            ...(flags.importance !== undefined && { importance: flags.importance }),
            ...(flags.metadata !== undefined && { metadata: flags.metadata }),
            ...(flags.createdAt !== undefined && { createdAt: flags.createdAt }),
            ...(flags.id !== undefined && { id: flags.id }),
          }),
        { at: flags.at },
      );
      ctx.output.result(memory, () => `Added memory ${memory.id}\n\n${describeMemory(memory)}`);
    });
}
