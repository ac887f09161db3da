/**
 * Liveness, readiness and metrics. /healthz answers while the process runs; /readyz is 503
 * with the reason until the store is open and the embedder loaded (asking kicks off the
 * load, so a probe also warms the engine); /metrics is the Prometheus text format.
 */

import type { Hono } from 'hono';
import { ForbiddenError } from '../../errors.ts';
import type { AppEnv, ServerDeps } from '../context.ts';

export function registerHealthRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  let lastError: string | undefined;
  let pending: Promise<void> | undefined;
  const warm = () => {
    pending ??= deps.memory.ready().then(
      () => {
        lastError = undefined;
      },
      (error: unknown) => {
        lastError = error instanceof Error ? error.message : String(error);
        pending = undefined;
      },
    );
    return pending;
  };

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  app.get('/readyz', async (c) => {
    if (deps.memory.isReady) return c.json({ status: 'ready' });
    // Give a quick load a moment to finish so a probe right after start can succeed.
    await Promise.race([warm(), new Promise((resolve) => setTimeout(resolve, 50))]);
    if (deps.memory.isReady) return c.json({ status: 'ready' });
    const reason = lastError
      ? `engine failed to start: ${lastError}`
      : 'store or embedder still loading; retry shortly';
    return c.json({ status: 'not_ready', reason }, 503);
  });

  app.get('/metrics', async (c) => {
    // Counts per route, error code and layer describe every user: an admin's business.
    if (c.get('principal')?.kind === 'user')
      throw new ForbiddenError('/metrics needs an admin key (server.apiKeys entry with admin: true).');
    const text = await deps.metrics.registry.metrics();
    return c.text(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });
}
