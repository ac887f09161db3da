/**
 * The sync routes a peer calls with its key (sync.peers[].key), and the status an admin
 * reads. GET /v1/sync/hello proves this server holds its instance key (it signs the
 * caller's nonce); GET /v1/sync/log pages through one user's log in arrival order from a
 * cursor (leaving out entries at or below the caller's heads in `have`), with the authors'
 * public keys and the chain heads (so the caller can tell a log that went backwards); POST /v1/sync/log applies a batch the peer pushes (verified, a
 * fork or gap refused with 409 integrity_error); GET /v1/sync/heads. Each call is checked
 * against the peer's rights on that user (server/sync/protocol.ts): a user the peer has no
 * right on answers 403, whatever the store holds. GET /v1/sync/status (admin or open) gives
 * this instance's id, the digest of log and state, and each peer's last round.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { ForbiddenError } from '../../errors.ts';
import { UserIdSchema } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { type AppContext, type AppEnv, readJsonObject, type ServerDeps } from '../context.ts';
import { helloMessage, PushBodySchema, peerAllows, type SyncRight } from '../sync/protocol.ts';

const LIMIT_MAX = 5_000;

export function registerSyncRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const log = () => deps.memory.changeLog;

  app.get('/v1/sync/hello', async (c) => {
    peerOf(c, deps);
    const nonce = parseWith(z.string().regex(/^[0-9a-f]{16,128}$/), c.req.query('nonce'), 'nonce', 'nonce');
    const { instanceId, publicKey } = await log().identity();
    return c.json({ instanceId, publicKey, signature: await log().sign(helloMessage(nonce, instanceId)) });
  });

  app.get('/v1/sync/log', async (c) => {
    const userId = allowed(c, deps, c.req.query('user'), 'read');
    const limit = Math.min(LIMIT_MAX, Number(c.req.query('limit') ?? deps.config.sync.batchSize) || 1);
    const page = await log().read(
      userId,
      c.req.query('after'),
      Math.max(1, limit),
      parseHave(c.req.query('have')),
    );
    return c.json({ ...page, heads: await log().heads(userId) });
  });

  app.post('/v1/sync/log', async (c) => {
    const body = parseWith(PushBodySchema, await readJsonObject(c), 'sync push', 'body');
    const userId = allowed(c, deps, body.user, 'write');
    const result = await log().apply(userId, body.entries, body.keys, peerOf(c, deps).name);
    return c.json(result);
  });

  app.get('/v1/sync/heads', async (c) => {
    const userId = allowed(c, deps, c.req.query('user'), 'read', 'write');
    return c.json({ heads: await log().heads(userId) });
  });

  app.get('/v1/sync/status', async (c) => {
    const principal = c.get('principal');
    if (principal.kind !== 'admin' && principal.kind !== 'open') {
      throw new ForbiddenError('GET /v1/sync/status needs an admin key.');
    }
    const user = c.req.query('user');
    const userId = user === undefined ? undefined : parseWith(UserIdSchema, user, 'user', 'user');
    const { instanceId, publicKey } = await log().identity();
    return c.json({
      instanceId,
      publicKey,
      users: await log().users(),
      digest: await log().digest(userId),
      peers: deps.syncRounds.snapshot(),
    });
  });
}

/** The calling peer's config entry (403 for any other principal). */
function peerOf(c: AppContext, deps: ServerDeps) {
  const principal = c.get('principal');
  const peer = principal.kind === 'peer' ? deps.config.sync.peers[principal.peer ?? -1] : undefined;
  if (!peer)
    throw new ForbiddenError('The /v1/sync routes answer sync peers only: call with a key from sync.peers.');
  return { ...peer, name: principal.keyName.replace(/^peer:/, '') };
}

/** `have=<instanceId>:<seq>,...`: the caller's chain heads, whose entries it need not get again. */
function parseHave(value: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (value ?? '').split(',')) {
    const [id, seq] = part.split(':');
    if (id && /^[0-9a-f]{32}$/.test(id) && Number.isInteger(Number(seq))) out[id] = Number(seq);
  }
  return out;
}

/** The user named, when the calling peer has one of `rights` on it. */
function allowed(c: AppContext, deps: ServerDeps, user: string | undefined, ...rights: SyncRight[]): string {
  const peer = peerOf(c, deps);
  const userId = parseWith(UserIdSchema, user, 'user', 'user');
  const right = rights.join(' or ');
  if (!rights.some((r) => peerAllows(deps.config.sync, peer, userId, r))) {
    throw new ForbiddenError(
      `This peer may not ${right} the log of ${JSON.stringify(userId)} (sync.peers[].users and scopes).`,
    );
  }
  c.set('userId', userId);
  return userId;
}
