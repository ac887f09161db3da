/**
 * POST /v1/feedback: a rating (useful, not_useful, wrong) on memories recalled for the
 * acting user. The user is resolved as on every route (a bound key rates only its own
 * memories), and a memory id of another user answers 404 exactly as GET would.
 */
import type { Hono } from 'hono';
import type { FeedbackInput } from '../../types.ts';
import { type AppEnv, actFor, bodyUserId, readJsonObject, type ServerDeps } from '../context.ts';

export function registerFeedbackRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics } = deps;
  app.post('/v1/feedback', async (c) => {
    const body = await readJsonObject(c);
    const userId = actFor(c, deps, bodyUserId(body));
    const input = { ...body, userId } as FeedbackInput; // validated once, by the engine
    const result = await metrics.time('feedback', () => memory.feedback(input));
    return c.json(result);
  });
}
