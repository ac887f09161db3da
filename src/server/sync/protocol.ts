/**
 * The sync protocol's shared parts, used by both sides: what a peer may do with which user
 * (its rights from sync.peers), the handshake message a server signs to prove it holds its
 * instance key, and the zod schemas of the requests and replies, so the routes and the
 * client validate the same shapes.
 *
 * Rights are the peer's, seen from this instance: 'read' lets the peer read a user's log
 * from us (it pulls, we push), 'write' lets it write one to us (it pushes, we pull). A user
 * in `users` has both; a shared scope `scope:<name>` has what `scopes[name]` says, and only
 * when this instance takes part in the scope (sync.scopes). Every other user is invisible to
 * the peer: its entries are neither served nor accepted.
 */
import { z } from 'zod';
import { SCOPE_PREFIX, type SyncConfig, type SyncPeerConfig, scopeUserId } from '../../config/schema.ts';
import { LogEntrySchema } from '../../security/log-entry.ts';

export type SyncRight = 'read' | 'write';

export function peerAllows(
  sync: SyncConfig,
  peer: SyncPeerConfig,
  userId: string,
  right: SyncRight,
): boolean {
  if (peer.users.includes(userId)) return true;
  if (!userId.startsWith(SCOPE_PREFIX)) return false;
  const scope = userId.slice(SCOPE_PREFIX.length);
  if (!sync.scopes.includes(scope)) return false;
  const granted = peer.scopes[scope];
  return granted === 'readwrite' || granted === right;
}

/** Every user (and scope) this peer has a right on, sorted. */
export function peerUserIds(sync: SyncConfig, peer: SyncPeerConfig): string[] {
  const scopes = Object.keys(peer.scopes)
    .filter((scope) => sync.scopes.includes(scope))
    .map(scopeUserId);
  return [...new Set([...peer.users, ...scopes])].sort();
}

/** What the server signs in the handshake: the client's fresh nonce and the server's id. */
export function helloMessage(nonce: string, instanceId: string): string {
  return `strata-sync-hello\n${nonce}\n${instanceId}`;
}

export const HelloReplySchema = z.object({
  instanceId: z.string(),
  publicKey: z.string(),
  signature: z.string(),
});
export type HelloReply = z.infer<typeof HelloReplySchema>;

const HeadSchema = z.object({ instanceId: z.string(), seq: z.number().int().min(0), hash: z.string() });

export const HeadsReplySchema = z.object({ heads: z.array(HeadSchema) });

export const LogReplySchema = z.object({
  entries: z.array(LogEntrySchema),
  keys: z.record(z.string(), z.string()),
  cursor: z.string(),
  more: z.boolean(),
  reset: z.boolean(),
  heads: z.array(HeadSchema),
});
export type LogReply = z.infer<typeof LogReplySchema>;

export const PushBodySchema = z.object({
  user: z.string(),
  entries: z.array(z.unknown()).max(5_000),
  keys: z.record(z.string(), z.string()).default({}),
});

export const PushReplySchema = z.object({
  applied: z.number(),
  duplicates: z.number(),
  changed: z.number(),
  sealed: z.number(),
});
