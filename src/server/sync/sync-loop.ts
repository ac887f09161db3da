/**
 * The background sync of `strata serve`: every sync.intervalSeconds one round with each
 * peer that has a url, one peer after another, the first right after start. A round that
 * fails (peer down, refused log) is logged and recorded for /v1/sync/status and the next
 * one tries again; rounds never overlap, and stop() waits for the one in flight, so
 * shutdown never cuts an apply short (each batch is one transaction anyway).
 */
import type { StrataConfig } from '../../config/schema.ts';
import type { ChangeLog } from '../../engine/change-log.ts';
import { MemoryError } from '../../errors.ts';
import type { Clock } from '../../util/clock.ts';
import { nowIso } from '../../util/clock.ts';
import type { Logger } from '../../util/logger.ts';
import { peerName } from '../auth.ts';
import type { SyncRounds } from './rounds.ts';
import { syncWithPeer } from './sync-client.ts';

export interface SyncLoopOptions {
  log: ChangeLog;
  config: StrataConfig;
  logger: Logger;
  rounds: SyncRounds;
  clock: Clock;
  fetch?: typeof fetch;
}

export function scheduleSync(options: SyncLoopOptions): { stop(): Promise<void> } {
  const { config, logger, rounds } = options;
  const peers = config.sync.peers.map((peer, index) => ({ peer, index })).filter(({ peer }) => peer.url);
  if (peers.length === 0 || config.sync.intervalSeconds <= 0) return { stop: async () => {} };
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  // A peer that stays down is logged once per change of its error, not every round.
  const lastError = new Map<string, string>();
  const report = (name: string, error: unknown) => {
    const shown = errorOf(error);
    const level = lastError.get(name) === shown.message ? 'debug' : 'warn';
    lastError.set(name, shown.message);
    logger[level]({ err: error, peer: name }, 'sync round failed');
  };

  const round = async () => {
    for (const { peer, index } of peers) {
      if (stopped) return;
      const name = peerName(peer, index);
      const at = nowIso(options.clock);
      try {
        const result = await syncWithPeer(peer, index, {
          log: options.log,
          config,
          logger,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
        const failed = result.users.find((u) => u.error)?.error;
        const pulled = result.users.reduce((n, u) => n + u.pulled, 0);
        const pushed = result.users.reduce((n, u) => n + u.pushed, 0);
        rounds.record({
          peer: name,
          at,
          ok: !failed,
          pulled,
          pushed,
          ...(failed ? { error: errorOf(failed) } : {}),
        });
        logger.debug({ peer: name, pulled, pushed }, 'sync round');
      } catch (error) {
        rounds.record({ peer: name, at, ok: false, pulled: 0, pushed: 0, error: errorOf(error) });
        report(name, error);
      }
    }
  };
  const tick = () => {
    if (stopped || running) return;
    running = round().finally(() => {
      running = null;
      schedule();
    });
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(tick, config.sync.intervalSeconds * 1000);
    timer.unref();
  };
  setImmediate(tick);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

function errorOf(error: unknown): { code: string; message: string; reason?: string } {
  if (!MemoryError.isInstance(error))
    return { code: 'internal_error', message: String((error as Error).message) };
  const reason = typeof error.details.reason === 'string' ? error.details.reason : undefined;
  return { code: error.code, message: error.message, ...(reason ? { reason } : {}) };
}
