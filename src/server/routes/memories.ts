/**
 * Memory CRUD: create, list with cursor pagination, get, patch, delete, history and
 * rollback. Every route resolves the acting user first, so a bound key can only ever
 * reach its own memories, and an id that belongs to someone else reads as 404 (the engine
 * scopes lookups by userId), never revealing that it exists.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { LayerSchema, MemoryIdSchema, type MemoryInput, type MemoryPatch } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { type AppEnv, actFor, bodyUserId, readJson, readJsonObject, type ServerDeps } from '../context.ts';

export const ListParamsSchema = z.object({
  layer: LayerSchema.optional(),
  since: z.string().max(200).optional(),
  until: z.string().max(200).optional(),
  timeZone: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
  cursor: z.string().max(2000).optional(),
});

export const RollbackSchema = z.object({ userId: z.string().optional(), version: z.number().int().min(1) });

export function memoryIdParam(value: string | undefined): string {
  return parseWith(MemoryIdSchema, value, 'memory id', 'id');
}

export function byteSize(value: unknown): number {
  return Buffer.byteLength(typeof value === 'string' ? value : JSON.stringify(value ?? null));
}

export function registerMemoryRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics } = deps;

  app.post('/v1/memories', async (c) => {
    const body = await readJsonObject(c);
    const userId = actFor(c, deps, bodyUserId(body));
    // The engine validates every field (one validation path); the route only scopes the user.
    const input = { ...body, userId } as MemoryInput;
    // Quotas: deps.memory admits the write against them as it stores it (server/quotas.ts).
    const created = await metrics.time('add', () => memory.add(input));
    return c.json(created, 201);
  });

  app.get('/v1/memories', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const params = parseWith(ListParamsSchema, c.req.query(), 'query string');
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
    const { userId: requested, ...patch } = await readJsonObject(c);
    const userId = actFor(c, deps, c.req.query('userId') ?? bodyUserId({ userId: requested }));
    const id = memoryIdParam(c.req.param('id'));
    const updated = await metrics.time('update', () => memory.update(userId, id, patch as MemoryPatch));
    return c.json(updated);
  });

  app.delete('/v1/memories/:id', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const id = memoryIdParam(c.req.param('id'));
    await metrics.time('delete', () => memory.delete(userId, id));
    return c.json({ deleted: true, id });
  });

  app.get('/v1/memories/:id/history', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const id = memoryIdParam(c.req.param('id'));
    const versions = await metrics.time('history', () => memory.history(userId, id));
    return c.json({ versions });
  });

  app.post('/v1/memories/:id/rollback', async (c) => {
    const body = parseWith(RollbackSchema, await readJson(c), 'request');
    const userId = actFor(c, deps, c.req.query('userId') ?? body.userId);
    const id = memoryIdParam(c.req.param('id'));
    return c.json(await metrics.time('rollback', () => memory.rollback(userId, id, body.version)));
  });
}
