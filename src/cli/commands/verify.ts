/**
 * `strata verify [--user <id>]`: walks the signed change log (every chain's hashes, links
 * and signatures, each chain's end against its recorded head, pruned payloads) and every
 * memory's state against its entries, then prints the counts and the digest, or each break
 * with the first one first, and exits 14 (integrity_error) when there is one.
 */
import type { Command } from 'commander';
import { readMemory } from '../common.ts';
import { EXIT_CODES } from '../exit-codes.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('verify')
    .description('Check the signed change log and that every memory matches it')
    .option('-u, --user <id>', 'only this user')
    .action(async (flags: { user?: string }) => {
      const { report, digest, identity } = await readMemory(ctx, async (m) => ({
        report: await m.changeLog.verify(flags.user),
        digest: await m.changeLog.digest(flags.user),
        identity: await m.changeLog.identity(),
      }));
      ctx.output.result({ ...report, digest, instanceId: identity.instanceId }, () => {
        const counts = `${report.entries} entries in ${report.chains} chains, ${report.users} users, ${report.memories} memories checked`;
        if (report.ok) return [`ok: ${counts}`, `digest: log ${digest.log} state ${digest.state}`].join('\n');
        const lines = report.problems.slice(0, 20).map((p) => {
          const where = [
            p.userId,
            p.instanceId && `chain ${p.instanceId}`,
            p.seq && `seq ${p.seq}`,
            p.memoryId,
          ]
            .filter(Boolean)
            .join(' ');
          return `  ${p.reason}: ${where}: ${p.message}`;
        });
        const more = report.problems.length > 20 ? [`  … and ${report.problems.length - 20} more`] : [];
        return [`BROKEN: ${report.problems.length} problems (${counts}); first:`, ...lines, ...more].join(
          '\n',
        );
      });
      if (!report.ok) process.exitCode = EXIT_CODES.integrity_error;
    });
}
