/** DELETE /v1/users/{userId}: erases every memory and version of one user. */
import type { Hono } from 'hono';
import { UserIdSchema } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';

export function registerUserRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  app.delete('/v1/users/:userId', async (c) => {
    const requested = parseWith(UserIdSchema, c.req.param('userId'), 'userId', 'userId');
    const userId = actFor(c, deps, requested);
    const deleted = await deps.metrics.time('deleteUser', () => deps.memory.deleteUser(userId));
    deps.quotas.forget(userId);
    return c.json({ userId, deleted });
  });
}
