/**
 * GET /v1/media/{id}: the bytes of one image or recording, for the user the key acts for
 * (a bound key only its own; an admin names ?userId=). Another user's id reads as 404, the
 * same as a missing one. The reply is the stored type with nosniff and a sandboxing CSP,
 * so a stored file can never run as a page on the server's origin.
 */
import type { Hono } from 'hono';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';

export function registerMediaRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  app.get('/v1/media/:id', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const blob = await deps.metrics.time('getMedia', () => deps.memory.getMedia(userId, c.req.param('id')));
    const headers: Record<string, string> = {
      'content-type': blob.mimeType,
      'content-length': String(blob.data.length),
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, max-age=3600, immutable',
      etag: `"${blob.id}"`,
    };
    return c.body(new Uint8Array(blob.data), 200, headers);
  });
}
