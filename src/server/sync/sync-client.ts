/**
 * One sync round with one peer, the same for `strata sync`, the background loop of
 * `strata serve` and `strata restore --from-peer`. First the handshake: the peer signs a
 * fresh nonce, its key must hash to its instance id and match the key in config, or the
 * key pinned at first contact (a changed key is refused until config names it). Then per
 * user the peer has a right on: pull (GET pages from our cursor, applied through the
 * engine, which verifies every entry and refuses a fork), then push (our log from the
 * peer's cursor). Cursors and the heads the peer last showed are kept in the store, so a
 * round that dies midway resumes where it stopped and re-sent entries are skipped by hash.
 * A peer whose chains went backwards since we last saw them (truncated, or rebuilt from an
 * old copy) is refused for pulling; pushing still goes on, which heals an honest peer that
 * lost data. A gap (the other side lacks entries before a batch) restarts that direction
 * from the beginning once.
 */
import { randomBytes } from 'node:crypto';
import type { StrataConfig, SyncPeerConfig } from '../../config/schema.ts';
import type { ChangeLog } from '../../engine/change-log.ts';
import { IntegrityError, MemoryError, UpstreamError } from '../../errors.ts';
import { instanceIdOf, verifySignature } from '../../security/instance-key.ts';
import type { ChainHead } from '../../stores/types.ts';
import type { Logger } from '../../util/logger.ts';
import { peerName } from '../auth.ts';
import {
  HeadsReplySchema,
  HelloReplySchema,
  helloMessage,
  LogReplySchema,
  PushReplySchema,
  peerAllows,
  peerUserIds,
} from './protocol.ts';

export interface SyncPeerOptions {
  log: ChangeLog;
  config: StrataConfig;
  logger: Logger;
  fetch?: typeof fetch;
  /** Only these users (default: every user and scope the peer has a right on). */
  users?: string[];
  /** Pull from the beginning, not from the stored cursor (restore). */
  fromStart?: boolean;
  /** Pull only (restore). */
  pullOnly?: boolean;
}

/** What one round did for one user. */
export interface UserSyncResult {
  userId: string;
  pulled: number;
  applied: number;
  pushed: number;
  error?: MemoryError;
}

export interface PeerSyncResult {
  peer: string;
  instanceId: string;
  users: UserSyncResult[];
}

/** The peer config with this name or url. */
export function findPeer(
  config: StrataConfig,
  nameOrUrl: string,
): { peer: SyncPeerConfig; index: number } | null {
  const trim = (url: string) => url.replace(/\/+$/, '');
  const index = config.sync.peers.findIndex(
    (peer, i) =>
      peerName(peer, i) === nameOrUrl || (peer.url !== undefined && trim(peer.url) === trim(nameOrUrl)),
  );
  return index < 0 ? null : { peer: config.sync.peers[index]!, index };
}

export async function syncWithPeer(
  peer: SyncPeerConfig,
  index: number,
  options: SyncPeerOptions,
): Promise<PeerSyncResult> {
  const name = peerName(peer, index);
  if (!peer.url)
    throw new MemoryError('config_error', `Sync peer ${name} has no url: it calls us, we cannot call it.`);
  const call = caller(peer.url, peer.key, options.config.sync.timeoutMs, options.fetch ?? fetch, name);
  const instanceId = await handshake(peer, name, call, options.log);
  const users = (options.users ?? peerUserIds(options.config.sync, peer)).filter(
    (userId) =>
      peerAllows(options.config.sync, peer, userId, 'write') ||
      peerAllows(options.config.sync, peer, userId, 'read'),
  );
  const results: UserSyncResult[] = [];
  for (const userId of users) {
    const result: UserSyncResult = { userId, pulled: 0, applied: 0, pushed: 0 };
    try {
      if (peerAllows(options.config.sync, peer, userId, 'write'))
        await pull(result, instanceId, name, call, options);
    } catch (error) {
      result.error = asMemoryError(error);
      options.logger.warn({ err: error, peer: name, userId }, 'sync: pull refused');
    }
    try {
      if (!options.pullOnly && peerAllows(options.config.sync, peer, userId, 'read'))
        await push(result, instanceId, call, options);
    } catch (error) {
      result.error ??= asMemoryError(error);
      options.logger.warn({ err: error, peer: name, userId }, 'sync: push refused');
    }
    results.push(result);
  }
  return { peer: name, instanceId, users: results };
}

type Call = (method: 'GET' | 'POST', path: string, body?: unknown) => Promise<unknown>;

/** The peer proves it holds the key we know for it (config, else pinned at first contact). */
async function handshake(peer: SyncPeerConfig, name: string, call: Call, log: ChangeLog): Promise<string> {
  const nonce = randomBytes(16).toString('hex');
  const hello = HelloReplySchema.parse(await call('GET', `/v1/sync/hello?nonce=${nonce}`));
  const refuse = (message: string) =>
    new IntegrityError(message, { details: { reason: 'identity', peer: name } });
  if (instanceIdOf(hello.publicKey) !== hello.instanceId)
    throw refuse(`Sync peer ${name} claims instance ${hello.instanceId}, which is not the id of its key.`);
  if (!verifySignature(hello.publicKey, helloMessage(nonce, hello.instanceId), hello.signature))
    throw refuse(`Sync peer ${name} did not sign the handshake with its key.`);
  if (peer.publicKey !== undefined && peer.publicKey !== hello.publicKey)
    throw refuse(`Sync peer ${name} answers with another key than sync.peers[].publicKey says; refusing it.`);
  const self = await log.identity();
  if (hello.instanceId === self.instanceId)
    throw refuse(
      `Sync peer ${name} has this instance's own key (a copied data dir?); give one of them a new key.`,
    );
  const pinned = (await log.peerState(name, '', 'identity')) as { publicKey: string } | null;
  if (peer.publicKey === undefined && pinned && pinned.publicKey !== hello.publicKey) {
    throw refuse(
      `Sync peer ${name} has a new key (instance ${hello.instanceId}) since it was first seen; if it was rebuilt, set its sync.peers[].publicKey to ${hello.publicKey}.`,
    );
  }
  if (pinned?.publicKey !== hello.publicKey)
    await log.putPeerState(name, '', 'identity', {
      instanceId: hello.instanceId,
      publicKey: hello.publicKey,
    });
  await log.pinKey(hello.instanceId, hello.publicKey, `peer:${name}`);
  return hello.instanceId;
}

async function pull(
  result: UserSyncResult,
  peerId: string,
  name: string,
  call: Call,
  options: SyncPeerOptions,
) {
  const { log } = options;
  const user = result.userId;
  const stored = options.fromStart ? null : ((await log.peerState(peerId, user, 'pull')) as string | null);
  let cursor = stored ?? '0';
  let seen = ((await log.peerState(peerId, user, 'heads')) as ChainHead[] | null) ?? [];
  let restarted = false;
  for (;;) {
    // Our heads: the peer leaves out what we hold (entries we pushed it, relayed ones).
    const have = (await log.heads(user)).map((h) => `${h.instanceId}:${h.seq}`).join(',');
    const query = `user=${encodeURIComponent(user)}&after=${encodeURIComponent(cursor)}&limit=${options.config.sync.batchSize}&have=${have}`;
    const page = LogReplySchema.parse(await call('GET', `/v1/sync/log?${query}`));
    checkNotBehind(seen, page.heads, name, user);
    await checkSameEntries(log, page.heads, name, user);
    try {
      const applied = await log.apply(user, page.entries, page.keys, name);
      result.applied += applied.applied;
    } catch (error) {
      if (isGap(error) && !restarted && cursor !== '0') {
        restarted = true;
        cursor = '0';
        continue;
      }
      throw error;
    }
    result.pulled += page.entries.length;
    cursor = page.cursor;
    seen = mergeHeads(seen, page.heads);
    await log.putPeerState(peerId, user, 'pull', cursor);
    await log.putPeerState(peerId, user, 'heads', seen);
    if (!page.more) return;
  }
}

async function push(result: UserSyncResult, peerId: string, call: Call, options: SyncPeerOptions) {
  const { log } = options;
  const user = result.userId;
  let cursor = ((await log.peerState(peerId, user, 'push')) as string | null) ?? '0';
  let restarted = false;
  // The peer's heads: what it holds already is not sent (entries it gave us, or got elsewhere).
  const heads = HeadsReplySchema.parse(
    await call('GET', `/v1/sync/heads?user=${encodeURIComponent(user)}`),
  ).heads;
  const have = restarted ? {} : Object.fromEntries(heads.map((h) => [h.instanceId, h.seq]));
  for (;;) {
    const page = await log.read(user, cursor, options.config.sync.batchSize, restarted ? {} : have);
    if (page.entries.length > 0) {
      try {
        PushReplySchema.parse(
          await call('POST', '/v1/sync/log', { user, entries: page.entries, keys: page.keys }),
        );
      } catch (error) {
        if (isGap(error) && !restarted) {
          restarted = true;
          cursor = '0';
          continue;
        }
        throw error;
      }
      result.pushed += page.entries.length;
    }
    cursor = page.cursor;
    await log.putPeerState(peerId, user, 'push', cursor);
    if (!page.more) return;
  }
}

/** A peer's chain heads may only move forward from what it showed us before. */
export function checkNotBehind(seen: ChainHead[], now: ChainHead[], peer: string, userId: string): void {
  const current = new Map(now.map((h) => [h.instanceId, h]));
  for (const before of seen) {
    const head = current.get(before.instanceId);
    const behind = !head || head.seq < before.seq || (head.seq === before.seq && head.hash !== before.hash);
    if (behind) {
      throw new IntegrityError(
        `Sync peer ${peer} serves chain ${before.instanceId} of ${userId} ending at entry ${head?.seq ?? 0}, but it showed entry ${before.seq} before: its log was truncated or rewritten. Refusing to pull from it; restore it from a peer (strata restore --from-peer).`,
        {
          details: {
            reason: head && head.seq === before.seq ? 'fork' : 'truncated',
            peer,
            userId,
            instanceId: before.instanceId,
          },
        },
      );
    }
  }
}

/** Where we hold the entry a peer's chain ends at, it must be the same entry: else its chain forked. */
async function checkSameEntries(
  log: ChangeLog,
  heads: ChainHead[],
  peer: string,
  userId: string,
): Promise<void> {
  const held = await log.hashesAt(userId, heads);
  heads.forEach((head, i) => {
    const ours = held[i];
    if (ours && ours !== head.hash) {
      throw new IntegrityError(
        `Sync peer ${peer} holds another entry ${head.seq} of chain ${head.instanceId} for ${userId} than this instance does: a forked log. Refusing to pull from it.`,
        { details: { reason: 'fork', peer, userId, instanceId: head.instanceId } },
      );
    }
  });
}

function mergeHeads(seen: ChainHead[], now: ChainHead[]): ChainHead[] {
  const out = new Map(seen.map((h) => [h.instanceId, h]));
  for (const head of now) {
    const before = out.get(head.instanceId);
    if (!before || head.seq > before.seq) out.set(head.instanceId, head);
  }
  return [...out.values()].sort((a, b) => (a.instanceId < b.instanceId ? -1 : 1));
}

function isGap(error: unknown): boolean {
  return MemoryError.isInstance(error) && error.code === 'integrity_error' && error.details.reason === 'gap';
}

function asMemoryError(error: unknown): MemoryError {
  return MemoryError.isInstance(error)
    ? error
    : new MemoryError('internal_error', `Sync failed: ${(error as Error).message}`, { cause: error });
}

/** JSON over HTTP with the peer's key; error replies come back as the MemoryError they name. */
function caller(base: string, key: string, timeoutMs: number, fetchImpl: typeof fetch, name: string): Call {
  const root = base.replace(/\/+$/, '');
  return async (method, path, body) => {
    let response: Response;
    try {
      response = await fetchImpl(`${root}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new UpstreamError(
        `Sync peer ${name} (${root}) cannot be reached: ${(error as Error).message}.`,
        503,
        {
          cause: error,
        },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new UpstreamError(
        `Sync peer ${name} answered ${response.status} with a body that is not JSON.`,
        response.status,
      );
    }
    if (response.ok) return parsed;
    const error = (
      parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    ).error;
    const message = `Sync peer ${name} refused ${method} ${path.split('?')[0]}: ${error?.message ?? response.status}`;
    if (error?.code === 'integrity_error')
      throw new IntegrityError(message, { details: error.details ?? {} });
    throw new UpstreamError(message, response.status, { details: { code: error?.code } });
  };
}
