/**
 * `strata restore --from-peer <url|name>`: rebuilds a lost or rewritten instance from a
 * peer's copy of the change log. The server must be stopped; the database in place (if any)
 * is kept aside as `<db>.before-restore-<time>`; a fresh store pulls every user and scope
 * the peer may write to us from the start of its log, each entry verified (hashes,
 * signatures, chains from their first entry: a peer serving a truncated or forked copy is
 * refused), the memories rebuilt from the entries, and the result verified before it is
 * reported. The instance key stays, so this instance's own chains go on where the peer's
 * copy of them ends.
 */
import { existsSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, ConflictError, IntegrityError } from '../errors.ts';
import { heldBy } from '../server/pid-lock.ts';
import { findPeer, syncWithPeer } from '../server/sync/sync-client.ts';
import { nowIso, systemClock } from '../util/clock.ts';
import { createLogger } from '../util/logger.ts';
import { withMemory } from './common.ts';
import type { CliContext } from './types.ts';

export async function restoreFromPeer(ctx: CliContext, nameOrUrl: string): Promise<void> {
  const config = await ctx.loadConfig();
  if (config.store.kind !== 'sqlite') {
    throw new ConfigError(
      `restore --from-peer needs the sqlite store; this config uses "${config.store.kind}".`,
    );
  }
  const found = findPeer(config, nameOrUrl);
  if (!found) {
    throw new ConfigError(`No sync peer ${nameOrUrl} in sync.peers; add {url, key, users} for it first.`);
  }
  const holder = heldBy(config.dataDir);
  if (holder)
    throw new ConflictError(
      `A strata server (pid ${holder}) is using ${config.dataDir}; stop it before restoring.`,
    );
  const target = resolve(config.store.path ?? join(config.dataDir, 'strata.db'));
  let previous: string | null = null;
  if (existsSync(target)) {
    previous = `${target}.before-restore-${nowIso(systemClock).replace(/[:.]/g, '-')}`;
    for (const suffix of ['', '-wal', '-shm'])
      if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${previous}${suffix}`);
  }
  const logger = createLogger({ level: config.log.level, fd: 2 });
  const { result, report, digest } = await withMemory(ctx, async (memory) => {
    const result = await syncWithPeer(found.peer, found.index, {
      log: memory.changeLog,
      config,
      logger,
      fromStart: true,
      pullOnly: true,
    });
    return { result, report: await memory.changeLog.verify(), digest: await memory.changeLog.digest() };
  });
  const failed = result.users.find((u) => u.error)?.error;
  if (failed) throw failed;
  if (!report.ok) {
    throw new IntegrityError(
      `The copy restored from ${result.peer} does not verify: ${report.problems[0]?.message}.`,
      {
        details: { reason: report.problems[0]?.reason },
      },
    );
  }
  const users = result.users.map((u) => ({ userId: u.userId, entries: u.applied }));
  ctx.output.result(
    {
      restored: target,
      from: result.peer,
      instanceId: result.instanceId,
      previous,
      users,
      digest,
      verified: report,
    },
    () =>
      [
        `Restored ${target} from ${result.peer}: ${report.entries} entries, ${report.memories} memories, verified`,
        ...users.map((u) => `  ${u.userId}: ${u.entries} entries`),
        previous ? `Previous database kept as ${previous}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
  );
}
