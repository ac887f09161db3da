/**
 * Scheduled backups: every `intervalMinutes` the engine writes an online backup (SQLite
 * backup API, Qdrant snapshot, whatever the store does) into the backup dir, and only the
 * newest `retain` files are kept. A failed backup is logged and retried at the next tick;
 * it never stops the server.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { systemClock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

const PREFIX = 'strata-backup-';

export function backupFileName(at: Date): string {
  return `${PREFIX}${at.toISOString().replace(/[:.]/g, '-')}.db`;
}

/** Deletes all but the newest `retain` backups (names sort by time). Returns the deleted names. */
export function rotateBackups(dir: string, retain: number): string[] {
  const files = readdirSync(dir)
    .filter((name) => name.startsWith(PREFIX))
    .sort();
  const doomed = files.slice(0, Math.max(0, files.length - retain));
  for (const name of doomed) rmSync(join(dir, name), { force: true, recursive: true });
  return doomed;
}

export async function runBackup(
  memory: StrataMemory,
  dir: string,
  retain: number,
  now = systemClock.now(),
): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const written = await memory.backup(join(dir, backupFileName(now)));
  rotateBackups(dir, retain);
  return written;
}

export function scheduleBackups(options: {
  memory: StrataMemory;
  dir: string;
  intervalMinutes: number;
  retain: number;
  logger: Logger;
}): { stop(): Promise<void> } {
  if (options.intervalMinutes <= 0) return { stop: async () => undefined };
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = runBackup(options.memory, options.dir, options.retain)
      .then((file) => options.logger.info({ file }, 'backup written'))
      .catch((error: unknown) =>
        options.logger.error({ err: error }, 'scheduled backup failed; will retry next interval'),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, options.intervalMinutes * 60_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
