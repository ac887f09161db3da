/**
 * GET /v1/users (admin: the ids of every user with memories) and DELETE /v1/users/{userId}
 * (erases every memory and version of one user; a bound key only its own).
 */
import type { Hono } from 'hono';
import { ForbiddenError } from '../../errors.ts';
import { UserIdSchema } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';

export function registerUserRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  app.get('/v1/users', async (c) => {
    // Who has memories is itself about every user: an admin's business, like /metrics.
    if (c.get('principal').kind === 'user')
      throw new ForbiddenError('GET /v1/users lists every user: it needs an admin key (admin: true).');
    const users = await deps.metrics.time('users', () => deps.memory.users());
    return c.json({ users });
  });

  app.delete('/v1/users/:userId', async (c) => {
    const requested = parseWith(UserIdSchema, c.req.param('userId'), 'userId', 'userId');
    const userId = actFor(c, deps, requested);
    const deleted = await deps.metrics.time('deleteUser', () => deps.memory.deleteUser(userId));
    deps.quotas.forget(userId);
    return c.json({ userId, deleted });
  });
}
