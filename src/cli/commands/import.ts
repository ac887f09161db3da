/**
 * `strata import [file]`: NDJSON from a file or stdin; every line is validated first and
 * nothing is written unless all are valid; importing the same file twice changes nothing.
 * The input is streamed (validated in one pass, written in batches in a second), so a file
 * of any size imports in bounded memory; a file is read twice by path, stdin is spooled.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { ValidationError } from '../../errors.ts';
import { withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface ImportFlags {
  user?: string;
  reassign?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('import')
    .description('Import NDJSON memories (all or nothing, idempotent)')
    .argument('[file]', 'NDJSON file ("-" or absent: stdin)')
    .option('-u, --user <id>', 'require every line to belong to this user')
    .option('--reassign', 'with --user: move every line to that user instead of rejecting others')
    .action(async (file: string | undefined, flags: ImportFlags) => {
      if ((!file || file === '-') && process.stdin.isTTY) {
        throw new ValidationError(
          'import needs NDJSON: give a file (strata import memories.ndjson) or pipe it in.',
        );
      }
      const input = file && file !== '-' ? await readInput(file) : process.stdin;
      const result = await withMemory(ctx, (m) =>
        m.import(input, {
          ...(flags.user !== undefined && { userId: flags.user }),
          ...(flags.reassign !== undefined && { reassign: flags.reassign }),
        }),
      );
      ctx.output.result(
        result,
        () => `Imported ${result.imported} memories (${result.unchanged} unchanged, ${result.lines} lines).`,
      );
    });
}

async function readInput(file: string): Promise<ReadStream> {
  try {
    if ((await stat(file)).isDirectory()) throw new Error('it is a directory');
    const stream = createReadStream(file);
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    return stream;
  } catch (error) {
    throw new ValidationError(`Cannot read ${file}: ${(error as Error).message}. Check the path.`, {
      cause: error,
    });
  }
}
