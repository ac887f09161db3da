/**
 * API-key authentication and per-user authorization. A key is either admin (may act for
 * any user, must name one) or bound to exactly one userId (everything it does is scoped to
 * that user; naming anyone else is refused with 403). With no keys configured the server
 * runs open on loopback only, and every caller acts like an admin. Keys are compared by
 * SHA-256 digest in constant time so response timing reveals nothing about them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { StrataConfig } from '../config/schema.ts';
import { ForbiddenError, UnauthorizedError, ValidationError } from '../errors.ts';

export interface Principal {
  /** 'open' when no keys are configured (loopback-only mode). */
  kind: 'admin' | 'user' | 'open';
  /** Stable label for logs, metrics and rate limiting; never the key itself. */
  keyName: string;
  /** Set for bound keys. */
  userId?: string;
}

type KeyEntry = { digest: Buffer; principal: Principal };

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export interface Authenticator {
  readonly open: boolean;
  /** Resolves the Authorization header to a principal or throws 401. */
  authenticate(header: string | undefined): Principal;
}

export function createAuthenticator(config: StrataConfig['server']): Authenticator {
  const entries: KeyEntry[] = config.apiKeys.map((entry, index) => {
    const keyName = entry.name ?? `key${index + 1}`;
    const principal: Principal =
      'admin' in entry ? { kind: 'admin', keyName } : { kind: 'user', keyName, userId: entry.userId };
    return { digest: digest(entry.key), principal };
  });
  const open = entries.length === 0;
  return {
    open,
    authenticate(header) {
      if (open) return { kind: 'open', keyName: 'open' };
      const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
      if (!match?.[1]) {
        throw new UnauthorizedError(
          'Missing API key: send "Authorization: Bearer <key>" with a key from server.apiKeys.',
        );
      }
      const presented = digest(match[1].trim());
      let found: Principal | undefined;
      for (const entry of entries) {
        if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
      }
      if (!found) throw new UnauthorizedError('Invalid API key: it matches no entry in server.apiKeys.');
      return found;
    },
  };
}

/**
 * The user a request acts for. Bound keys imply their user and refuse any other; admin
 * (and open) callers must name the user explicitly.
 */
export function resolveUserId(principal: Principal, requested: string | undefined | null): string {
  const wanted = requested === null || requested === '' ? undefined : requested;
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
