/**
 * `strata update --user <id> <memoryId> [--content ...]`: writes a new version of a memory
 * (re-embedded when the content changes); the old version stays in history.
 */
import type { Command } from 'commander';
import type { LayerName, MemoryPatch } from '../../types.ts';
import { atOption, describeMemory, parseJsonObject, parseNumber, withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

interface UpdateFlags {
  at?: string;
  user: string;
  content?: string;
  layer?: string;
  importance?: number;
  metadata?: Record<string, unknown>;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('update')
    .description('Change a memory (creates a new version)')
    .argument('<id>', 'memory id')
    .requiredOption('-u, --user <id>', 'owner of the memory')
    .option('-c, --content <text>', 'new text')
    .option('-l, --layer <layer>', 'new layer')
    .option('--importance <0..1>', 'new importance', parseNumber('--importance'))
    .option('--metadata <json>', 'new metadata (replaces the old object)', parseJsonObject('--metadata'))
    .option(...atOption("the new version's time"))
    .action(async (id: string, flags: UpdateFlags) => {
      const patch: MemoryPatch = {
        ...(flags.content !== undefined && { content: flags.content }),
        ...(flags.layer !== undefined && { layer: flags.layer as LayerName }),
        ...(flags.importance !== undefined && { importance: flags.importance }),
        ...(flags.metadata !== undefined && { metadata: flags.metadata }),
      };
      const memory = await withMemory(ctx, (m) => m.update(flags.user, id, patch), { at: flags.at });
      ctx.output.result(
        memory,
        () => `Updated memory ${id} to version ${memory.version}\n\n${describeMemory(memory)}`,
      );
    });
}
