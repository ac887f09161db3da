/**
 * API-key authentication and per-user authorization. A key is either admin (may act for
 * any user, must name one) or bound to exactly one userId (everything it does is scoped to
 * that user; naming anyone else is refused with 403). With no keys configured the server
 * runs open on loopback only, and every caller acts like an admin. A sync peer's key
 * (sync.peers[].key) is a principal of its own that reaches only the /v1/sync routes, open
 * mode or not. Keys are compared by
 * SHA-256 digest in constant time so response timing reveals nothing about them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { StrataConfig } from '../config/schema.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../errors.ts';

export interface Principal {
  /** 'open' when no keys are configured (loopback-only mode); 'peer' for a sync peer's key. */
  kind: 'admin' | 'user' | 'open' | 'peer';
  /** Stable label for logs, metrics and rate limiting; never the key itself. */
  keyName: string;
  /** Set for bound keys. */
  userId?: string;
  /** Index into sync.peers, set for peer keys. */
  peer?: number;
}

type KeyEntry = { digest: Buffer; principal: Principal };

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export interface Authenticator {
  readonly open: boolean;
  /** Resolves the Authorization header to a principal or throws 401. */
  authenticate(header: string | undefined): Principal;
}

export function createAuthenticator(
  config: StrataConfig['server'],
  peers: StrataConfig['sync']['peers'] = [],
): Authenticator {
  const entries: KeyEntry[] = config.apiKeys.map((entry, index) => {
    const keyName = entry.name ?? `key${index + 1}`;
    const principal: Principal =
      'admin' in entry ? { kind: 'admin', keyName } : { kind: 'user', keyName, userId: entry.userId };
    return { digest: digest(entry.key), principal };
  });
  const peerEntries: KeyEntry[] = peers.map((peer, index) => ({
    digest: digest(peer.key),
    principal: { kind: 'peer', keyName: `peer:${peerName(peer, index)}`, peer: index },
  }));
  const open = entries.length === 0;
  const match = (presented: Buffer, among: KeyEntry[]): Principal | undefined => {
    let found: Principal | undefined;
    for (const entry of among) if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
    return found;
  };
  return {
    open,
    authenticate(header) {
      const bearer = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '')?.[1]?.trim();
      // Open mode still tells a sync peer by its key: only a peer reaches the sync routes.
      const peer = bearer ? match(digest(bearer), peerEntries) : undefined;
      if (peer) return peer;
      if (open) return { kind: 'open', keyName: 'open' };
      if (!bearer) {
        throw new UnauthorizedError(
          'Missing API key: send "Authorization: Bearer <key>" with a key from server.apiKeys.',
        );
      }
      const found = match(digest(bearer), entries);
      if (!found) throw new UnauthorizedError('Invalid API key: it matches no entry in server.apiKeys.');
      return found;
    },
  };
}

/** How logs, metrics and cursors name a configured peer: its name, else its url, else peer<n>. */
export function peerName(peer: StrataConfig['sync']['peers'][number], index: number): string {
  return peer.name ?? peer.url ?? `peer${index + 1}`;
}

/**
 * The user a request acts for. Bound keys imply their user and refuse any other; admin
 * (and open) callers must name the user explicitly.
 */
export function resolveUserId(principal: Principal, requested: string | undefined | null): string {
  const wanted = requested === null || requested === '' ? undefined : requested;
  if (principal.kind === 'peer') {
    throw new ForbiddenError('A sync peer key may only call the /v1/sync routes.');
  }
  if (principal.kind === 'user') {
    if (wanted !== undefined && wanted !== principal.userId) {
      throw new ForbiddenError(
        `This API key is bound to another user and may not access data of userId "${truncate(wanted)}".`,
      );
    }
    return principal.userId!;
  }
  if (wanted === undefined) {
    throw new ValidationError('userId is required: admin keys must name the user they act for.');
  }
  return wanted;
}

export function truncate(value: string, max = 64): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '::ffff:127.0.0.1']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}
