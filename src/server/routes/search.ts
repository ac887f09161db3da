/**
 * POST /v1/search: hybrid/vector/keyword search over one user's memories, with boolean
 * operators and temporal filters handled by the engine. Replies `{results:[{memory, score}]}`.
 */
import type { Hono } from 'hono';
import type { SearchQuery } from '../../types.ts';
import { type AppEnv, actFor, bodyUserId, readJsonObject, type ServerDeps } from '../context.ts';

export function registerSearchRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  app.post('/v1/search', async (c) => {
    const body = await readJsonObject(c);
    const userId = actFor(c, deps, bodyUserId(body));
    const query = { ...body, userId } as SearchQuery; // validated once, by the engine
    const results = await deps.metrics.time('search', () => deps.memory.search(query));
    return c.json({ results: results.map(({ memory, score }) => ({ memory, score })) });
  });
}
