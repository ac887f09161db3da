/**
 * The engine's face of the signed change log (StrataMemory.changeLog): what `strata verify`,
 * the sync routes and the sync client call. It opens the engine first, passes reads to the
 * store's log, and applies a peer's entries in two steps: the store names the contents
 * whose state the entries write and that have no vector here, the embedder makes those
 * vectors (in one batch, outside the write transaction), then the store applies everything
 * in one transaction. A local write that lands in between only makes the store ask again.
 * Stores without a change log (memory, Qdrant, Postgres) answer with a ConfigError.
 */
import { ConfigError, MemoryError } from '../errors.ts';
import type { EngineContext } from '../layers/context.ts';
import { type LogEntry, LogEntrySchema } from '../security/log-entry.ts';
import type {
  ChainHead,
  ChangeLogStore,
  LogApplyResult,
  LogDigest,
  LogPage,
  LogVerifyReport,
} from '../stores/types.ts';
import { UserIdSchema } from '../types.ts';
import { parseWith } from '../validation.ts';

/** This instance in the change log: its id (the public key's fingerprint) and public key. */
export interface InstanceInfo {
  instanceId: string;
  /** base64 SPKI DER of the ed25519 key. */
  publicKey: string;
}

/** A page of entries with the public keys of their authors, as served to a peer. */
export interface LogPageWithKeys extends LogPage {
  keys: Record<string, string>;
}

/** The signed, hash-linked change log of this instance's store, and what sync needs of it. */
export interface ChangeLog {
  /** This instance's id and public key. */
  identity(): Promise<InstanceInfo>;
  /** base64 ed25519 signature of `message` by the instance key (sync handshakes). */
  sign(message: string): Promise<string>;
  /** Users with at least one entry (memories, or entries relayed for them). */
  users(): Promise<string[]>;
  /** The head of every author's chain for the user. */
  heads(userId: string): Promise<ChainHead[]>;
  /**
   * Entries of one user after `after` (a cursor from an earlier page), with their authors'
   * keys; entries at or below `have[author]` (the reader's chain heads) are skipped.
   */
  read(
    userId: string,
    after: string | undefined,
    limit: number,
    have?: Record<string, number>,
  ): Promise<LogPageWithKeys>;
  /**
   * Verifies and applies a peer's entries for one user (IntegrityError on a forged, forked or
   * gapped entry; duplicates skipped). `keys` offers authors' public keys; `via` names the peer.
   */
  apply(
    userId: string,
    entries: unknown[],
    keys: Record<string, string>,
    via: string,
  ): Promise<LogApplyResult>;
  /** The hash of the entry held at each (author, seq) position (null where none is). */
  hashesAt(
    userId: string,
    positions: Array<{ instanceId: string; seq: number }>,
  ): Promise<Array<string | null>>;
  /** Records a peer's public key (its instance id must be the key's fingerprint). */
  pinKey(instanceId: string, publicKey: string, source: string): Promise<void>;
  /** Walks every chain and every memory's state; reports each break. */
  verify(userId?: string): Promise<LogVerifyReport>;
  /** Fingerprints of log and state, equal on two instances that hold the same. */
  digest(userId?: string): Promise<LogDigest>;
  /** Small JSON values kept per peer and user (cursors, heads last seen); null when unset. */
  peerState(peer: string, userId: string, key: string): Promise<unknown>;
  /** Stores (replaces; null removes) one value kept for a peer and user. */
  putPeerState(peer: string, userId: string, key: string, value: unknown): Promise<void>;
}

type Run = <T>(fn: (ctx: EngineContext) => Promise<T>) => Promise<T>;

/** How often an apply is retried when a local write changed a memory between its two steps. */
const APPLY_ATTEMPTS = 4;

export function changeLogOf(run: Run): ChangeLog {
  const withLog = <T>(fn: (log: ChangeLogStore, ctx: EngineContext) => Promise<T>) =>
    run((ctx) => {
      const log = ctx.store.changeLog;
      if (!log) {
        throw new ConfigError(
          `The ${ctx.store.kind} store keeps no change log; verify and sync need the sqlite store (store.kind "sqlite").`,
        );
      }
      return fn(log, ctx);
    });
  const user = (userId: string) => parseWith(UserIdSchema, userId, 'userId', 'userId');
  return {
    identity: () => withLog(async (log) => log.identity()),
    sign: (message) => withLog(async (log) => log.sign(message)),
    users: () => withLog((log) => log.users()),
    heads: (userId) => withLog((log) => log.heads(user(userId))),
    read: (userId, after, limit, have) =>
      withLog(async (log) => {
        const page = await log.read(user(userId), after, limit, have);
        const keys = await log.publicKeys(page.entries.map((e) => e.instanceId));
        return { ...page, keys };
      }),
    apply: (userId, entries, keys, via) =>
      withLog(async (log, ctx) => {
        const id = user(userId);
        const parsed: LogEntry[] = entries.map((entry, i) =>
          parseWith(LogEntrySchema, entry, 'log entry', `entries[${i}]`),
        );
        for (let attempt = 1; ; attempt++) {
          const contents = await log.contentsToEmbed(id, parsed, keys);
          const made = contents.length > 0 ? await ctx.embedder.embedMany(contents) : [];
          const vectors = new Map(contents.map((content, i) => [content, made[i]!]));
          try {
            return await log.apply(id, parsed, keys, vectors, via);
          } catch (error) {
            const raced = MemoryError.isInstance(error) && error.code === 'conflict' && error.retryable;
            if (!raced || attempt >= APPLY_ATTEMPTS) throw error;
          }
        }
      }),
    hashesAt: (userId, positions) => withLog((log) => log.hashesAt(user(userId), positions)),
    pinKey: (instanceId, publicKey, source) => withLog((log) => log.pinKey(instanceId, publicKey, source)),
    verify: (userId) => withLog((log) => log.verify(userId === undefined ? undefined : user(userId))),
    digest: (userId) => withLog((log) => log.digest(userId === undefined ? undefined : user(userId))),
    peerState: (peer, userId, key) => withLog((log) => log.peerState(peer, userId, key)),
    putPeerState: (peer, userId, key, value) => withLog((log) => log.putPeerState(peer, userId, key, value)),
  };
}
