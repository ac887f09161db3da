/**
 * What keeps a web page the user happens to open from using the server (SPEC §10 security):
 *
 * - Host: with no API keys (dev mode) only loopback host names and `server.allowedHosts`
 *   are answered, so a DNS-rebinding page ("attacker.example" resolving to 127.0.0.1) gets a
 *   403; with keys, `allowedHosts` restricts hosts when it is set.
 * - Origin: a browser request from another origin (an `Origin` that is not this server's,
 *   or `Sec-Fetch-Site: cross-site|same-site`) is refused unless its origin is in
 *   `server.corsOrigins`; allowed origins get CORS headers and their preflights a 204.
 * - Content type: a request body must be JSON (`application/json` or `+json`; NDJSON also
 *   for /v1/import). `text/plain` and form bodies — what a page can send cross-origin without
 *   a preflight — get 415, so no "simple request" can write.
 *
 * Clients that are not browsers (curl, SDKs, Open WebUI's backend) send no Origin and no
 * Sec-Fetch headers and are unaffected.
 */
import type { MiddlewareHandler } from 'hono';
import type { StrataConfig } from '../config/schema.ts';
import { ForbiddenError, UnsupportedMediaTypeError } from '../errors.ts';
import type { AppEnv } from './context.ts';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NDJSON_PATHS = new Set(['/v1/import']);

/** "example.com:8765" → "example.com", "[::1]:8765" → "[::1]". */
export function hostName(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  return trimmed.replace(/:\d+$/, '').replace(/\.$/, '');
}

function isLoopback(name: string): boolean {
  return LOOPBACK.has(name) || name.endsWith('.localhost');
}

function isJson(type: string, path: string): boolean {
  const mime = type.split(';')[0]!.trim().toLowerCase();
  if (mime === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mime)) return true;
  return NDJSON_PATHS.has(path) && (mime === 'application/x-ndjson' || mime === 'application/jsonl');
}

function hasBody(headers: Headers): boolean {
  const length = headers.get('content-length');
  if (length !== null) return Number(length) > 0;
  return headers.has('transfer-encoding');
}

export function browserGuard(server: StrataConfig['server']): MiddlewareHandler<AppEnv> {
  const open = server.apiKeys.length === 0;
  const allowedHosts = new Set(server.allowedHosts.map(hostName));
  const corsOrigins = new Set(server.corsOrigins.map((o) => new URL(o).origin));
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    const name = hostName(host);
    if ((open || allowedHosts.size > 0) && !isLoopback(name) && !allowedHosts.has(name)) {
      throw new ForbiddenError(
        `Host "${name}" is not served: ${open ? 'with no API keys only loopback hosts are answered' : 'it is not in server.allowedHosts'}. Add it to server.allowedHosts${open ? ' (and configure server.apiKeys before exposing the server)' : ''}.`,
      );
    }
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const sameOrigin = origin !== undefined && origin !== 'null' && safeHost(origin) === host.toLowerCase();
    const crossSite = (origin !== undefined && !sameOrigin) || site === 'cross-site' || site === 'same-site';
    if (crossSite) {
      const allowed = origin !== undefined && corsOrigins.has(origin);
      if (!allowed) {
        throw new ForbiddenError(
          `Cross-origin browser request${origin ? ` from ${origin}` : ''} refused; list the page's origin in server.corsOrigins to allow it.`,
        );
      }
      c.header('access-control-allow-origin', origin);
      c.header('vary', 'Origin');
      c.header('access-control-allow-credentials', 'false');
      if (c.req.method === 'OPTIONS') {
        c.header('access-control-allow-methods', 'GET, POST, PUT, PATCH, DELETE');
        c.header('access-control-allow-headers', 'authorization, content-type, x-request-id');
        c.header('access-control-max-age', '600');
        return c.body(null, 204);
      }
    }
    if (BODY_METHODS.has(c.req.method) && hasBody(c.req.raw.headers)) {
      const type = c.req.header('content-type') ?? '';
      if (!isJson(type, c.req.path)) {
        throw new UnsupportedMediaTypeError(
          `Content-Type "${type || 'none'}" is not accepted; send the body as application/json${NDJSON_PATHS.has(c.req.path) ? ' or application/x-ndjson' : ''}.`,
        );
      }
    }
    return next();
  };
}

/** The host:port of an origin URL, lower case; '' when it does not parse. */
function safeHost(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
  }
}
