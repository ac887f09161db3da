/**
 * Memory CRUD: create, list with cursor pagination, get, patch, delete, history and
 * rollback. Every route resolves the acting user first, so a bound key can only ever
 * reach its own memories, and an id that belongs to someone else reads as 404 (the engine
 * scopes lookups by userId), never revealing that it exists.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { ValidationError } from '../../errors.ts';
import { LayerSchema, MemoryIdSchema, MemoryInputSchema, MemoryPatchSchema } from '../../types.ts';
import { type AppEnv, actFor, parseWith, readJson, type ServerDeps } from '../context.ts';

const ListParamsSchema = z.object({
  layer: LayerSchema.optional(),
  since: z.string().max(200).optional(),
  until: z.string().max(200).optional(),
  timeZone: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(2000).optional(),
});

const RollbackSchema = z.object({ userId: z.string().optional(), version: z.number().int().min(1) });

/** Reads an optional userId out of a JSON object body, refusing non-objects clearly. */
export function bodyObject(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ValidationError('Request body must be a JSON object.');
  }
  return raw as Record<string, unknown>;
}

export function bodyUserId(body: Record<string, unknown>): string | undefined {
  const value = body.userId;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new ValidationError('userId: must be a string.');
  return value;
}

export function memoryIdParam(value: string | undefined): string {
  return parseWith(MemoryIdSchema, value, 'id');
}

export function byteSize(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value ?? null));
}

export function registerMemoryRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics, quotas } = deps;

  app.post('/v1/memories', async (c) => {
    const body = bodyObject(await readJson(c));
    const userId = actFor(c, deps, bodyUserId(body));
    const input = parseWith(MemoryInputSchema, { ...body, userId });
    const bytes = byteSize(input.content) + byteSize(input.metadata ?? {});
    await quotas.check(userId, bytes);
    const created = await metrics.time('add', () => memory.add(input));
    quotas.record(userId, 1, bytes);
    return c.json(created, 201);
  });

  app.get('/v1/memories', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const params = parseWith(ListParamsSchema, c.req.query());
    const query = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    const page = await metrics.time('list', () => memory.list({ ...query, userId }));
    return c.json(page);
  });

  app.get('/v1/memories/:id', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const id = memoryIdParam(c.req.param('id'));
    return c.json(await metrics.time('get', () => memory.get(userId, id)));
  });

  app.patch('/v1/memories/:id', async (c) => {
    const body = bodyObject(await readJson(c));
    const { userId: requested, ...rest } = body;
    const userId = actFor(c, deps, c.req.query('userId') ?? bodyUserId({ userId: requested }));
    const id = memoryIdParam(c.req.param('id'));
    const patch = parseWith(MemoryPatchSchema, rest);
    const updated = await metrics.time('update', () => memory.update(userId, id, patch));
    return c.json(updated);
  });

  app.delete('/v1/memories/:id', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const id = memoryIdParam(c.req.param('id'));
    await metrics.time('delete', () => memory.delete(userId, id));
    quotas.forget(userId);
    return c.json({ deleted: true, id });
  });

  app.get('/v1/memories/:id/history', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const id = memoryIdParam(c.req.param('id'));
    const versions = await metrics.time('history', () => memory.history(userId, id));
    return c.json({ versions });
  });

  app.post('/v1/memories/:id/rollback', async (c) => {
    const body = parseWith(RollbackSchema, await readJson(c));
    const userId = actFor(c, deps, c.req.query('userId') ?? body.userId);
    const id = memoryIdParam(c.req.param('id'));
    return c.json(await metrics.time('rollback', () => memory.rollback(userId, id, body.version)));
  });
}
