/**
 * `strata export --user <id> [--out file]`: NDJSON of a user's memories (all fields,
 * original timestamps, versions) to stdout or a file written atomically. Lines are
 * written as the engine pages through the store (500 memories a page), with backpressure
 * from the destination, so memory stays bounded whatever the export's size.
 */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface ExportFlags {
  user: string;
  out?: string;
  history: boolean;
  vectors?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('export')
    .description("Export a user's memories as NDJSON")
    .requiredOption('-u, --user <id>', 'whose memories')
    .option('-o, --out <file>', 'write to a file instead of stdout')
    .option('--no-history', 'leave out prior versions')
    .option('--vectors', 'include vectors (base64) so import needs no re-embedding')
    .action(async (flags: ExportFlags) => {
      const lines = await readMemory(ctx, async (m) => {
        const stream = m.export(flags.user, {
          includeHistory: flags.history,
          includeVectors: flags.vectors === true,
        });
        let count = 0;
        stream.on('data', (chunk: Buffer | string) => {
          count += countNewlines(chunk);
        });
        if (!flags.out) {
          await pipeline(stream, process.stdout, { end: false });
          return count;
        }
        const partial = `${flags.out}.partial`;
        try {
          await pipeline(stream, createWriteStream(partial));
          await rename(partial, flags.out);
        } catch (error) {
          await rm(partial, { force: true });
          throw error;
        }
        return count;
      });
      if (flags.out) {
        ctx.output.result({ file: flags.out, lines }, () => `Exported ${lines} lines to ${flags.out}`);
      }
    });
}

/** Newlines in a chunk without copying it into a string or iterating characters. */
function countNewlines(chunk: Buffer | string): number {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
