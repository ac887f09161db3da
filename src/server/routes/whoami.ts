/**
 * GET /v1/whoami: what the presented key may do, so a client (the inspector page) knows
 * whether to offer a user picker: `kind` admin (acts for any user), user (bound to `userId`)
 * or open (no keys configured, loopback only). It names the key's label, never the key.
 */
import type { Hono } from 'hono';
import type { AppEnv, ServerDeps } from '../context.ts';

export function registerWhoamiRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  app.get('/v1/whoami', (c) => {
    const principal = c.get('principal');
    return c.json({
      kind: principal.kind,
      keyName: principal.keyName,
      userId: principal.userId ?? null,
      layers: deps.memory.layers,
    });
  });
}
