/**
 * What every route handler shares: the Hono environment (request id, principal, request
 * logger) and the dependencies bag, plus the helpers that make handlers short and
 * uniform: parse a JSON body against a zod schema with a clear error, and resolve the user
 * a request acts for (authorization + per-user rate limit in one step).
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { StrataConfig } from '../config/schema.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { ValidationError } from '../errors.ts';
import { UserIdSchema } from '../types.ts';
import type { Logger } from '../util/logger.ts';
import { type Principal, resolveUserId } from './auth.ts';
import { zodToValidation } from './http-errors.ts';
import type { ServerMetrics } from './metrics.ts';
import type { QuotaGuard } from './quotas.ts';
import type { RateLimiter } from './rate-limit.ts';

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
  /** Where integration state (valves, retry queue) lives; defaults to config.dataDir. */
  dataDir: string;
}

/** Parses the request body as JSON, naming the problem precisely when it is not. */
export async function readJson(c: AppContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') throw new ValidationError('Request body is empty: send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ValidationError(`Malformed JSON in request body: ${reason}`);
  }
}

export async function readBody<S extends z.ZodType>(c: AppContext, schema: S): Promise<z.output<S>> {
  const raw = await readJson(c);
  return parseWith(schema, raw);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix = ''): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodToValidation(parsed.error, prefix);
  return parsed.data;
}

/** Resolves the acting user (403 for a bound key naming someone else) and rate-limits them. */
export function actFor(c: AppContext, deps: ServerDeps, requested: string | undefined | null): string {
  const userId = parseWith(UserIdSchema, resolveUserId(c.get('principal'), requested), 'userId');
  deps.limiter.take('user', userId);
  c.set('userId', userId);
  return userId;
}
