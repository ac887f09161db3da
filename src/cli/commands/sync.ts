/**
 * `strata sync [--peer <url|name>] [--user <id>]`: one sync round (pull, then push) with a
 * configured peer, or with every peer that has a url, and the counts per user; a peer that
 * cannot be reached or serves a log that does not verify makes the command fail with that
 * error's exit code (14 for a forked or truncated log). `strata sync --identity` prints this
 * instance's id and public key, what a peer puts in its sync.peers[].publicKey.
 */
import type { Command } from 'commander';
import { ConfigError } from '../../errors.ts';
import { findPeer, type PeerSyncResult, syncWithPeer } from '../../server/sync/sync-client.ts';
import { createLogger } from '../../util/logger.ts';
import { collectList, withMemory } from '../common.ts';
import type { CliContext } from '../types.ts';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('sync')
    .description('Sync the change log with configured peers (sync.peers), or print this instance identity')
    .option('-p, --peer <url|name>', 'only this peer (its url or name in sync.peers)')
    .option('-u, --user <id>', 'only this user (repeatable)', collectList)
    .option('--identity', "print this instance's id and public key, for a peer's config")
    .action(async (flags: { peer?: string; user?: string[]; identity?: boolean }) => {
      const config = await ctx.loadConfig();
      if (flags.identity) {
        const identity = await withMemory(ctx, (m) => m.changeLog.identity());
        ctx.output.result(
          identity,
          () => `instanceId: ${identity.instanceId}\npublicKey:  ${identity.publicKey}`,
        );
        return;
      }
      const targets = flags.peer
        ? [findPeer(config, flags.peer)]
        : config.sync.peers.map((peer, index) => ({ peer, index })).filter(({ peer }) => peer.url);
      if (targets.length === 0 || targets[0] === null) {
        throw new ConfigError(
          flags.peer
            ? `No sync peer ${flags.peer} in sync.peers; add {url, key, users} for it (and the same key on its side).`
            : 'No sync peer with a url in sync.peers: nothing to sync with.',
        );
      }
      const logger = createLogger({ level: config.log.level, fd: 2 });
      const results: PeerSyncResult[] = await withMemory(ctx, async (memory) => {
        const out: PeerSyncResult[] = [];
        for (const target of targets) {
          const { peer, index } = target!;
          out.push(
            await syncWithPeer(peer, index, {
              log: memory.changeLog,
              config,
              logger,
              ...(flags.user ? { users: flags.user } : {}),
            }),
          );
        }
        return out;
      });
      const rows = results.flatMap((r) =>
        r.users.map((u) => ({
          peer: r.peer,
          user: u.userId,
          pulled: u.pulled,
          applied: u.applied,
          pushed: u.pushed,
          error: u.error ? `${u.error.code}: ${u.error.message}` : '',
        })),
      );
      ctx.output.result(
        results.map((r) => ({ ...r, users: r.users.map((u) => ({ ...u, error: u.error?.toJSON() })) })),
        () => ctx.output.table(rows, ['peer', 'user', 'pulled', 'applied', 'pushed', 'error']),
      );
      const failed = results.flatMap((r) => r.users).find((u) => u.error)?.error;
      if (failed) throw failed;
    });
}
