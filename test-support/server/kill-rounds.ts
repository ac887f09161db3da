/**
 * The kill -9 test every write surface of `strata serve` shares: a child server over one
 * data dir takes concurrent writes from alice and bob (each carrying a unique marker) and
 * is SIGKILLed the moment the last one is acknowledged, or, every other round, the moment
 * half of them are (the rest still in flight). After the rounds the SQLite file must pass
 * `PRAGMA integrity_check`, and after a restart (the outbox replays at start) the surface's
 * reader must find every acknowledged marker exactly once under its own user and never
 * under the other; a write still in flight at the kill may be there, but at most once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { type ChildServer, startChildServer } from './child-server.ts';
import { API_KEYS } from './harness.ts';

export type KillUser = 'alice' | 'bob';
export const KILL_USERS: readonly KillUser[] = ['alice', 'bob'];

export interface KillRoundsOptions {
  /** Temp dir prefix. */
  name: string;
  rounds: number;
  /** Writes per round, alternating alice and bob. */
  concurrent: number;
  /** Extra config, merged over the hash embedder, the three test keys and warn logging. */
  config?: { server?: Record<string, unknown> } & Record<string, unknown>;
  /** Sends one write of `marker` for `user`; resolves once the server has acknowledged it, throws otherwise. */
  write(url: string, user: KillUser, marker: string): Promise<void>;
  /**
   * The texts of `user`'s stored memories of the one kind each write produces once (a
   * memory's content, a turn's user message), to count markers in.
   */
  read(url: string, user: KillUser): Promise<string[]>;
}

export interface KillRoundsResult {
  name: string;
  rounds: number;
  acknowledged: Record<KillUser, string[]>;
  /** Writes in flight when the server was killed. */
  inFlight: Record<KillUser, string[]>;
  stored: Record<KillUser, string[]>;
  /** integrity_check after the last kill (before any restart) and after the clean stop at the end. */
  integrity: { afterKill: string; afterRestart: string };
}

const integrityOf = (path: string): string => {
  const db = new Database(path, { readonly: true });
  try {
    return String(db.pragma('integrity_check', { simple: true }));
  } finally {
    db.close();
  }
};

/** Resolves once the child has exited. */
async function killNow(server: ChildServer): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
  await exited;
}

export async function runKillRounds(options: KillRoundsOptions): Promise<KillRoundsResult> {
  const dataDir = mkdtempSync(join(tmpdir(), `strata-${options.name}-`));
  const configFile = join(dataDir, 'strata.config.json');
  const { server: serverConfig, ...rest } = options.config ?? {};
  writeFileSync(
    configFile,
    JSON.stringify({
      embedder: { kind: 'hash' },
      log: { level: 'warn' },
      ...rest,
      server: { apiKeys: API_KEYS, ...serverConfig },
    }),
  );
  const args = ['--config', configFile, '--data-dir', dataDir];
  const acknowledged: Record<KillUser, string[]> = { alice: [], bob: [] };
  const inFlight: Record<KillUser, string[]> = { alice: [], bob: [] };
  let server: ChildServer | undefined;
  try {
    for (let round = 0; round < options.rounds; round++) {
      const running = await startChildServer(args);
      server = running;
      // Even rounds: killed at the last acknowledgement; odd rounds: at half of them.
      const killAt = round % 2 === 0 ? options.concurrent : Math.ceil(options.concurrent / 2);
      let acks = 0;
      let killed: Promise<void> | undefined;
      const writes = Array.from({ length: options.concurrent }, async (_, i) => {
        const user = KILL_USERS[i % 2] as KillUser;
        const marker = `r${round}w${i}${user}q${Math.random().toString(36).slice(2, 8)}`;
        try {
          await options.write(running.url, user, marker);
        } catch {
          if (killed) inFlight[user].push(marker);
          else throw new Error(`write ${marker} failed before the kill:\n${running.output()}`);
          return;
        }
        if (killed) {
          // Acknowledged while the kill was on its way: it counts as acknowledged.
          acknowledged[user].push(marker);
          return;
        }
        acknowledged[user].push(marker);
        if (++acks === killAt) killed = killNow(running);
      });
      await Promise.all(writes);
      await killed;
    }
    const dbFile = join(dataDir, 'strata.db');
    const afterKill = integrityOf(dbFile);
    server = await startChildServer(args);
    const url = server.url;
    const read = async () =>
      Object.fromEntries(
        await Promise.all(KILL_USERS.map(async (user) => [user, await options.read(url, user)] as const)),
      ) as Record<KillUser, string[]>;
    // The outbox replays at start; give it a moment to deliver.
    let stored = await read();
    const everyAckStored = () =>
      KILL_USERS.every((user) => acknowledged[user].every((m) => stored[user].some((t) => t.includes(m))));
    for (let i = 0; i < 50 && !everyAckStored(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      stored = await read();
    }
    expect(await server.stop('SIGTERM')).toBe(0);
    return {
      name: options.name,
      rounds: options.rounds,
      acknowledged,
      inFlight,
      stored,
      integrity: { afterKill, afterRestart: integrityOf(dbFile) },
    };
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) await killNow(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** How often `marker` occurs in `texts`. */
const count = (texts: string[], marker: string) => texts.filter((text) => text.includes(marker)).length;

/** The checks of the module comment; returns the number of acknowledged writes checked. */
export function expectEveryAckStoredOnce(result: KillRoundsResult): number {
  expect(result.integrity).toEqual({ afterKill: 'ok', afterRestart: 'ok' });
  let checked = 0;
  let inFlight = 0;
  for (const user of KILL_USERS) {
    const other = user === 'alice' ? 'bob' : 'alice';
    for (const marker of result.acknowledged[user]) {
      expect(count(result.stored[user], marker), `acknowledged ${marker} stored once under ${user}`).toBe(1);
      expect(count(result.stored[other], marker), `${marker} not under ${other}`).toBe(0);
      checked++;
    }
    for (const marker of result.inFlight[user]) {
      inFlight++;
      expect(count(result.stored[user], marker), `in-flight ${marker} at most once`).toBeLessThanOrEqual(1);
      expect(count(result.stored[other], marker), `${marker} not under ${other}`).toBe(0);
    }
  }
  console.log(
    `${result.name}: ${result.rounds} kill rounds, ${checked} acknowledged writes stored once, ${inFlight} in flight at a kill, integrity_check ok`,
  );
  return checked;
}
