/**
 * What every route handler shares: the Hono environment (request id, principal, request
 * logger) and the dependencies bag, plus the helpers that make handlers short and
 * uniform: read a JSON object body with a clear error (its fields are validated once, by the
 * engine or by the route's own envelope schema through src/validation.ts), and resolve the user
 * a request acts for (authorization + per-user rate limit in one step).
 */

import type { Context } from 'hono';
import type { StrataConfig } from '../config/schema.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { ValidationError } from '../errors.ts';
import { UserIdSchema } from '../types.ts';
import type { Clock } from '../util/clock.ts';
import { assertJsonShape } from '../util/json-shape.ts';
import type { Logger } from '../util/logger.ts';
import { parseWith } from '../validation.ts';
import { type Principal, resolveUserId } from './auth.ts';
import type { ServerMetrics } from './metrics.ts';
import type { QuotaGuard } from './quotas.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { SyncRounds } from './sync/rounds.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal;
    log: Logger;
    userId: string | undefined;
    /** Set instead of a 429 on routes that must degrade rather than fail (Open WebUI filters). */
    rateLimited: boolean;
  };
}

export type AppContext = Context<AppEnv>;

export interface ServerDeps {
  memory: StrataMemory;
  config: StrataConfig;
  logger: Logger;
  metrics: ServerMetrics;
  quotas: QuotaGuard;
  limiter: RateLimiter;
  /** The one clock (tests pin it). */
  clock: Clock;
  /** Where integration state (valves, retry queue) lives; defaults to config.dataDir. */
  dataDir: string;
  /** The last sync round with each peer (GET /v1/sync/status). */
  syncRounds: SyncRounds;
}

/** Parses the request body as JSON (within the depth and array limits), naming the problem precisely when it is not. */
export async function readJson(c: AppContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new ValidationError('Request body is empty: send a JSON object.');
  assertJsonShape(text);
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`Malformed JSON in request body: ${reason}`);
  }
}

/** The JSON body as an object (the engine validates its fields), refusing anything else clearly. */
export async function readJsonObject(c: AppContext): Promise<Record<string, unknown>> {
  const raw = await readJson(c);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('Request body must be a JSON object.');
  }
  return raw as Record<string, unknown>;
}

/** An optional `userId` of a body: absent, or a string (the schema checks its form). */
export function bodyUserId(body: Record<string, unknown>): string | undefined {
  const value = body.userId;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError('Invalid request: userId: must be a string.');
  return value;
}

/** Resolves the acting user (403 for a bound key naming someone else) and rate-limits them. */
export function actFor(c: AppContext, deps: ServerDeps, requested: string | undefined | null): string {
  const userId = parseWith(UserIdSchema, resolveUserId(c.get('principal'), requested), 'userId', 'userId');
  deps.limiter.take('user', userId);
  c.set('userId', userId);
  return userId;
}
