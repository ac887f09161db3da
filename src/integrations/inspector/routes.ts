/**
 * The memory inspector (docs/inspector.md): a static page at /ui whose script talks to the
 * REST API with the key the user types. The page and its assets hold no user data, so they
 * are served without a key (isPublicPath); every API call the page makes sends the key in
 * the Authorization header, so the server's browser guard (same origin, JSON bodies only)
 * and key checks apply to it exactly as to any client. The assets are read once from the
 * assets/ folder beside this module (copied next to the compiled module by the build) and
 * served under a strict Content-Security-Policy: scripts and styles from this origin only,
 * no inline script, no framing.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'hono';
import { NotFoundError } from '../../errors.ts';
import type { AppEnv } from '../../server/context.ts';
import type { ServerIntegration } from '../../server/integration.ts';

const ASSETS_DIR = fileURLToPath(new URL('./assets/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const ASSET_NAME = /^[a-z0-9][a-z0-9-]*\.(js|css|svg)$/;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Revalidate each time (cheap with the ETag): an upgraded server never runs an old script.
  'cache-control': 'no-cache',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

/** The page and its assets by file name, read once. */
export function loadAssets(dir = ASSETS_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type || (name !== 'index.html' && !ASSET_NAME.test(name))) continue;
    const body = readFileSync(join(dir, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(name, { body, type, etag });
  }
  if (!assets.has('index.html')) throw new Error(`The inspector's index.html is missing from ${dir}.`);
  return assets;
}

function serve(c: Context<AppEnv>, asset: Asset): Response {
  const headers = { ...SECURITY_HEADERS, etag: asset.etag, 'content-type': asset.type };
  if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(asset.body), 200, headers);
}

/** Exactly the paths served here, so no other surface's route (`/:id/valves`) turns key-free under /ui. */
const isInspectorPath = (path: string) =>
  path === '/ui' || path === '/ui/' || /^\/ui\/assets\/[^/]+$/.test(path);

/** The inspector page as a server integration (off with server.inspector: false). */
export function inspectorIntegration(): ServerIntegration {
  return {
    name: 'inspector',
    isPublicPath: isInspectorPath,
    mount: ({ app, deps }) => {
      if (!deps.config.server.inspector) return;
      const assets = loadAssets();
      const page = assets.get('index.html')!;
      app.get('/ui', (c) => serve(c, page));
      app.get('/ui/', (c) => serve(c, page));
      app.get('/ui/assets/:name', (c) => {
        const name = c.req.param('name');
        const asset = ASSET_NAME.test(name) ? assets.get(name) : undefined;
        if (!asset) throw new NotFoundError(`No inspector asset named "${name.slice(0, 64)}".`);
        return serve(c, asset);
      });
    },
  };
}
