/**
 * A durable outbox for turns that could not be stored right away (engine busy, store
 * unavailable). Each pending turn is one JSON file in `<dataDir>/outbox/`, written
 * atomically and named by a hash of (user, chat, message id) so a retried delivery of
 * the same turn collapses into one file. A background timer retries with backoff, the
 * outbox is replayed at start, and `drain()` makes a last attempt at shutdown. A turn the
 * engine rejects as invalid (not retryable) moves to `outbox/dead/` and is logged, so no
 * turn is ever dropped silently. `keep()` is what a surface calls with a turn it could not
 * store: a turn that retrying can help goes to the queue, one refused for good (over a
 * quota, invalid) straight to `outbox/dead/`, where an operator can find it (and move it
 * back into `outbox/` to replay it, after raising the quota). With encryption at rest on
 * (a cipher given), every entry, queued or dead, is sealed with AES-256-GCM bound to its
 * file name (`{"sealed":1,"keyId","data"}`): the user's messages never reach the disk in
 * clear. Plaintext entries from before encryption was turned on are still read (and sealed
 * when rewritten); a sealed entry no configured key opens is moved to `outbox/dead/`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ConfigError, MemoryError } from '../errors.ts';
import type { Cipher } from '../security/cipher.ts';
import type { TurnInput } from '../types.ts';
import type { Logger } from '../util/logger.ts';

interface Entry {
  turn: TurnInput;
  attempts: number;
  nextAttemptAt: number;
  lastError?: string;
}

export interface TurnOutbox {
  /** Persists a turn for later delivery. */
  enqueue(key: string, turn: TurnInput, error: unknown): void;
  /** Persists a turn that was refused for good (quota) in the dead-letter folder. */
  deadLetter(key: string, turn: TurnInput, error: unknown): void;
  /** A turn that failed with `error`: retried later when that can help, else dead-lettered. */
  keep(key: string, turn: TurnInput, error: unknown): 'queued' | 'dead';
  /**
   * Persists a turn about to be stored, before its reply is released (a crash then loses
   * nothing acknowledged): retried by the timer after HOLD_MS unless `settle(key)` removes
   * it first, once the turn is stored.
   */
  hold(key: string, turn: TurnInput): void;
  /** Removes a held (or queued) turn that has been stored. */
  settle(key: string): void;
  /** Turns in the dead-letter folder. */
  deadDepth(): number;
  depth(): number;
  /** Tries every due entry once now. */
  flush(force?: boolean): Promise<{ delivered: number; pending: number }>;
  start(intervalMs?: number): void;
  /** Stops the timer and makes a final delivery attempt. */
  drain(): Promise<void>;
}

/** How long a held turn waits for its own delivery before the timer retries it. */
export const HOLD_MS = 30_000;

export function createTurnOutbox(options: {
  dir: string;
  deliver: (turn: TurnInput) => Promise<unknown>;
  logger: Logger;
  onDepth?: (depth: number) => void;
  /** Reports the number of dead-lettered turns after each change. */
  onDeadDepth?: (depth: number) => void;
  now?: () => number;
  /** Encryption at rest: entries are sealed under it (null/absent: plaintext JSON). */
  cipher?: Cipher | null;
}): TurnOutbox {
  const { dir, deliver, logger } = options;
  const cipher = options.cipher ?? null;
  const now = options.now ?? Date.now;
  const deadDir = join(dir, 'dead');
  mkdirSync(deadDir, { recursive: true });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<{ delivered: number; pending: number }> | undefined;
  const nameOf = (key: string) => `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`;
  const fileOf = (key: string) => join(dir, nameOf(key));
  const files = () => readdirSync(dir).filter((name) => name.endsWith('.json'));
  const deadFiles = () => readdirSync(deadDir).filter((name) => name.endsWith('.json'));
  const report = () => {
    options.onDepth?.(files().length);
    options.onDeadDepth?.(deadFiles().length);
  };
  const write = (file: string, entry: Entry) => {
    const temp = `${file}.tmp`;
    writeFileSync(temp, seal(cipher, basename(file), entry));
    renameSync(temp, file);
  };

  const runOnce = async (force: boolean) => {
    let delivered = 0;
    for (const name of files()) {
      const file = join(dir, name);
      let entry: Entry;
      try {
        entry = unseal(cipher, name, readFileSync(file, 'utf8'));
      } catch (error) {
        logger.error({ err: error, file: name }, 'outbox entry unreadable; moved to outbox/dead');
        renameSync(file, join(deadDir, name));
        continue;
      }
      if (!force && entry.nextAttemptAt > now()) continue;
      try {
        await deliver(entry.turn);
        rmSync(file, { force: true });
        delivered++;
      } catch (error) {
        const retryable = isRetryable(error);
        entry.attempts += 1;
        entry.lastError = error instanceof Error ? error.message : String(error);
        if (!retryable) {
          logger.error(
            { file: name, error: entry.lastError },
            'turn rejected by the engine; moved to outbox/dead',
          );
          write(join(deadDir, name), entry);
          rmSync(file, { force: true });
          continue;
        }
        entry.nextAttemptAt = now() + Math.min(300_000, 1_000 * 2 ** Math.min(entry.attempts, 8));
        write(file, entry);
        logger.warn({ file: name, attempts: entry.attempts }, 'turn delivery failed; will retry');
      }
    }
    report();
    return { delivered, pending: files().length };
  };

  const flush = async (force = false) => {
    while (running) await running.catch(() => undefined);
    running = runOnce(force);
    try {
      return await running;
    } finally {
      running = undefined;
    }
  };

  const entryOf = (turn: TurnInput, error: unknown): Entry => ({
    turn,
    attempts: 1,
    nextAttemptAt: now() + 1_000,
    lastError: error instanceof Error ? error.message : String(error),
  });
  const outbox: TurnOutbox = {
    enqueue(key, turn, error) {
      write(fileOf(key), entryOf(turn, error));
      report();
    },
    deadLetter(key, turn, error) {
      const name = nameOf(key);
      write(join(deadDir, name), entryOf(turn, error));
      // A held entry of the same turn (the proxy's, written before its reply) is now done.
      rmSync(fileOf(key), { force: true });
      logger.error(
        { file: name, userId: turn.userId, error: error instanceof Error ? error.message : String(error) },
        'turn refused; kept in outbox/dead',
      );
      report();
    },
    keep(key, turn, error) {
      if (isRetryable(error)) {
        outbox.enqueue(key, turn, error);
        return 'queued';
      }
      outbox.deadLetter(key, turn, error);
      return 'dead';
    },
    hold(key, turn) {
      write(fileOf(key), { turn, attempts: 0, nextAttemptAt: now() + HOLD_MS });
      report();
    },
    settle(key) {
      rmSync(fileOf(key), { force: true });
      report();
    },
    deadDepth: () => deadFiles().length,
    depth: () => files().length,
    flush,
    start(intervalMs = 5_000) {
      if (timer) return;
      void flush(true).catch((error: unknown) => logger.error({ err: error }, 'outbox replay failed'));
      timer = setInterval(() => {
        void flush().catch((error: unknown) => logger.error({ err: error }, 'outbox retry failed'));
      }, intervalMs);
      timer.unref();
    },
    async drain() {
      if (timer) clearInterval(timer);
      timer = undefined;
      if (files().length > 0) await flush(true);
    },
  };
  return outbox;
}

/** Whether retrying can help: anything but a typed refusal (quota, validation); a closed engine can. */
function isRetryable(error: unknown): boolean {
  return !MemoryError.isInstance(error) || error.retryable || error.code === 'closed';
}

/** The additional authenticated data of an entry: its file name, the same queued or dead. */
const aadOf = (name: string) => `strata-outbox:${name}`;

/** An entry's file text: sealed under the cipher when there is one. */
function seal(cipher: Cipher | null, name: string, entry: Entry): string {
  const json = JSON.stringify(entry);
  if (!cipher) return json;
  const data = cipher.encrypt(json, aadOf(name)).toString('base64');
  return JSON.stringify({ sealed: 1, keyId: cipher.keyId, data });
}

/** Reads an entry's file text, sealed or (from before encryption was on) plain. */
function unseal(cipher: Cipher | null, name: string, text: string): Entry {
  const raw = JSON.parse(text) as Entry | { sealed: 1; keyId: string; data: string };
  if (!('sealed' in raw)) return raw;
  if (!cipher) {
    throw new ConfigError(
      `outbox entry ${name} is encrypted; start the server with its encryption.key to deliver it.`,
    );
  }
  return JSON.parse(cipher.decrypt(Buffer.from(raw.data, 'base64'), raw.keyId, aadOf(name))) as Entry;
}
