/**
 * POST /v1/turns (observe a finished turn; replies with what was stored and updated) and
 * POST /v1/recall (the framed context block plus the ranked memories behind it),
 * POST /v1/explain (the same request as a dry run: why each memory ranks where it does).
 */
import type { Hono } from 'hono';
import type { RecallRequest, TurnInput } from '../../types.ts';
import { type AppEnv, actFor, bodyUserId, readJsonObject, type ServerDeps } from '../context.ts';

export function registerTurnRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics } = deps;

  app.post('/v1/turns', async (c) => {
    const body = await readJsonObject(c);
    const userId = actFor(c, deps, bodyUserId(body));
    const turn = { ...body, userId } as TurnInput; // validated once, by the engine
    // Quotas: the engine admits the turn's memories whole when it writes them (server/quotas.ts).
    const result = await metrics.time('observe', () => memory.observeTurn(turn));
    return c.json(result);
  });

  app.post('/v1/recall', async (c) => {
    const body = await readJsonObject(c);
    const userId = actFor(c, deps, bodyUserId(body));
    const request = { ...body, userId } as RecallRequest; // validated once, by the engine
    const result = await metrics.time('recall', () => memory.recall(request));
    return c.json({
      context: result.context,
      memories: result.memories.map(({ memory: m, score }) => ({ memory: m, score })),
      ...(result.shared ? { shared: result.shared } : {}),
    });
  });
  app.post('/v1/explain', async (c) => {
    const body = await readJsonObject(c);
    const userId = actFor(c, deps, bodyUserId(body));
    const request = { ...body, userId } as RecallRequest; // validated once, by the engine
    return c.json(await metrics.time('explain', () => memory.explain(request)));
  });
}
