/**
 * `strata stats [--user <id>]`: counts and bytes per layer, store and embedder details,
 * per user with feedback: ratings given and how far the learned weights moved, and the
 * session summary queue (written, queued, lag).
 */
import type { Command } from 'commander';
import type { MemoryStats } from '../../types.ts';
import { readMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

/** Feedback per user and how far their learned weights are from the defaults. */
function learningLines(learning: MemoryStats['learning'], ctx: CliContext): string[] {
  if (!learning) return [];
  const head = `learning: ${learning.enabled ? 'on' : 'off (learning.enabled: false)'}`;
  if (learning.users.length === 0) return [head, 'feedback: none yet'];
  const rows = learning.users.map((u) => ({
    user: u.userId,
    ratings: u.ratings,
    useful: u.useful,
    messages: u.messages,
    pairs: u.pairs,
    'max weight factor': `×${u.maxFactor}`,
    distance: u.distance,
    applied: u.applied ? 'yes' : 'no',
    'budget factor': `×${u.budgetFactor}`,
    'budget applied': u.budgetApplied ? 'yes' : 'no',
    updated: u.updatedAt ?? '',
  }));
  return [
    head,
    ctx.output.table(rows, [
      'user',
      'ratings',
      'useful',
      'messages',
      'pairs',
      'max weight factor',
      'distance',
      'applied',
      'budget factor',
      'budget applied',
      'updated',
    ]),
  ];
}

/** The background session summarizer: what is queued and how far behind it is. */
function summaryLines(summaries: MemoryStats['summaries']): string[] {
  if (!summaries) return [];
  const lag = summaries.pending > 0 ? `, oldest waiting ${Math.round(summaries.lagMs / 1000)} s` : '';
  const last =
    summaries.lastLagMs === null
      ? ''
      : `, last written ${Math.round(summaries.lastLagMs / 1000)} s after its session ended`;
  return [`session summaries: ${summaries.written} written, ${summaries.pending} queued${lag}${last}`];
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description('Memory counts and sizes (all users, or one)')
    .option('-u, --user <id>', 'only this user')
    .action(async (flags: { user?: string }) => {
      const stats = await readMemory(ctx, (m) => m.stats(flags.user));
      ctx.output.result(stats, () => {
        const rows = Object.entries(stats.byLayer).map(([layer, s]) => ({
          layer,
          memories: s.count,
          bytes: s.bytes,
        }));
        return [
          `store:    ${stats.store.kind}${stats.store.path ? ` (${stats.store.path})` : ''}`,
          `embedder: ${stats.embedder ? `${stats.embedder.model} (${stats.embedder.dimensions}-d)` : 'n/a'}`,
          `users: ${stats.users}  memories: ${stats.memories}  versions: ${stats.versions}  bytes: ${stats.bytes}`,
          ctx.output.table(rows, ['layer', 'memories', 'bytes']),
          ...learningLines(stats.learning, ctx),
          ...summaryLines(stats.summaries),
        ].join('\n');
      });
    });
}
