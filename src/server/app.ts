/**
 * The HTTP application: one Hono app over one engine. Middleware order matters and is the
 * security model: request id + logging + metrics wrap everything (so failures are counted
 * too), then the browser guard (host, origin, content type: browser-guard.ts), then the body limit, then authentication and the per-key rate limit, then routes
 * grouped by concern. Errors of any kind become `{error:{code,message}}` through
 * http-errors.ts; nothing a handler throws can take the process down or leak a stack.
 */
import { join } from 'node:path';
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { routePath } from 'hono/route';
import type { StrataConfig } from '../config/schema.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { ForbiddenError, MemoryError, NotFoundError, PayloadTooLargeError } from '../errors.ts';
import { cipherFromConfig } from '../security/cipher.ts';
import { type Clock, systemClock } from '../util/clock.ts';
import { newId } from '../util/ids.ts';
import type { Logger } from '../util/logger.ts';
import { createAuthenticator } from './auth.ts';
import { browserGuard } from './browser-guard.ts';
import type { AppEnv, ServerDeps } from './context.ts';
import { toErrorReply } from './http-errors.ts';
import type { ServerIntegration } from './integration.ts';
import { createMetrics, type ServerMetrics } from './metrics.ts';
import { createQuotaGuard, gatedMemory } from './quotas.ts';
import { createRateLimiter } from './rate-limit.ts';
import { registerEmotionRoutes } from './routes/emotions.ts';
import { IMPORT_LIMIT_FACTOR, registerExportImportRoutes } from './routes/export-import.ts';
import { registerFeedbackRoutes } from './routes/feedback.ts';
import { registerHealthRoutes } from './routes/health.ts';
import { registerMediaRoutes } from './routes/media.ts';
import { registerMemoryRoutes } from './routes/memories.ts';
import { registerMemoryGraphRoutes } from './routes/memory-graph.ts';
import { registerOpenApiRoutes } from './routes/openapi.ts';
import { registerSearchRoutes } from './routes/search.ts';
import { registerSyncRoutes } from './routes/sync.ts';
import { registerTimelineRoutes } from './routes/timeline.ts';
import { registerTurnRoutes } from './routes/turns.ts';
import { registerUserRoutes } from './routes/users.ts';
import { registerWhoamiRoutes } from './routes/whoami.ts';
import { createSyncRounds } from './sync/rounds.ts';
import { createTurnOutbox, type TurnOutbox } from './turn-outbox.ts';

export interface CreateAppOptions {
  memory: StrataMemory;
  config: StrataConfig;
  logger: Logger;
  metrics?: ServerMetrics;
  /** Overrides config.dataDir for integration state (valves, retry queue). */
  dataDir?: string;
  /** Surfaces mounted after the REST routes, in order (src/integrations/server.ts picks them). */
  integrations?: readonly ServerIntegration[];
  /** The clock for everything the server stamps (default: the system clock). */
  clock?: Clock;
  /** Start the outbox retry timer (default true). */
  startOutbox?: boolean;
}

export interface StrataApp {
  app: Hono<AppEnv>;
  deps: ServerDeps;
  outbox: TurnOutbox;
  /** Waits for background observations, stops the outbox timer and makes a last delivery attempt. */
  drain(): Promise<void>;
}

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/openapi.json']);

export function createApp(options: CreateAppOptions): StrataApp {
  const integrations = options.integrations ?? [];
  const deps = createServerDeps(options);
  const app = new Hono<AppEnv>();
  const outbox = createTurnOutbox({
    dir: join(deps.dataDir, 'outbox'),
    deliver: (turn) => deps.memory.observeTurn(turn),
    logger: deps.logger,
    onDepth: (depth) => deps.metrics.retryQueueDepth.set(depth),
    onDeadDepth: (depth) => deps.metrics.deadLetterDepth.set(depth),
    // Queued and dead-lettered turns hold the user's messages: sealed when encryption is on.
    cipher: cipherFromConfig(deps.config.encryption),
  });
  if (options.startOutbox !== false) outbox.start();
  const background = trackBackgroundWork();

  answerErrorsAsEnvelopes(app, deps);
  app.use('*', requestContext(deps));
  app.use('*', browserGuard(deps.config.server));
  app.use('*', limitBodies(deps.config.server.bodyLimitBytes));
  app.use(
    '*',
    authenticate(
      deps,
      (path) => integrations.some((each) => each.degradesWhenRateLimited?.(path)),
      (path) => integrations.some((each) => each.isPublicPath?.(path) === true),
    ),
  );
  registerCoreRoutes(app, deps);
  for (const integration of integrations) integration.mount({ app, deps, outbox, track: background.track });

  const drain = async () => {
    await background.settle();
    await outbox.drain();
  };
  return { app, deps, outbox, drain };
}

function createServerDeps(options: CreateAppOptions): ServerDeps {
  const { memory, config, logger } = options;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? createMetrics({ clock });
  metrics.observeMemory(memory);
  const quotas = createQuotaGuard(memory, config.server.quotas, undefined, () => clock.now().getTime());
  return {
    // Every surface writes through deps.memory, so every write is admitted by the quotas.
    memory: gatedMemory(memory, quotas),
    config,
    logger,
    metrics,
    quotas,
    limiter: createRateLimiter(config.server.rateLimit, () => clock.now().getTime()),
    dataDir: options.dataDir ?? config.dataDir,
    clock,
    syncRounds: createSyncRounds(),
  };
}

/** Background work (observations after a proxied reply) that shutdown must wait for. */
function trackBackgroundWork() {
  const inFlight = new Set<Promise<unknown>>();
  return {
    track(work: Promise<unknown>) {
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    },
    async settle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/** Every error, thrown or unmatched, becomes `{error:{code,message}}` and is counted. */
function answerErrorsAsEnvelopes(app: Hono<AppEnv>, { logger, metrics }: ServerDeps): void {
  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? 'unknown';
    const reply = toErrorReply(error, requestId);
    const log = c.get('log') ?? logger;
    if (reply.status >= 500) log.error({ err: error, requestId }, 'request failed');
    else log.debug({ code: reply.body.error.code, requestId }, 'request refused');
    metrics.errors.inc({ code: reply.body.error.code, route: safeRoute(c) });
    // A refused body may not have been read to its end: close the connection after the
    // reply, so the client's next request goes on a fresh one instead of being lost. Not
    // for an import, whose body is a stream: a reply while the client still sends would be
    // lost to the reset that closing an unread socket sends; @hono/node-server reads and
    // drops the rest after the reply instead (and closes when that takes too long).
    const streamed = c.req.path === '/v1/import';
    const headers =
      (reply.status === 413 || reply.status === 415) && !streamed
        ? { ...reply.headers, connection: 'close' }
        : reply.headers;
    return c.json(reply.body, reply.status as 400, headers);
  });
  app.notFound((c) => {
    const reply = toErrorReply(new NotFoundError(`No route for ${c.req.method} ${c.req.path}.`), '');
    metrics.errors.inc({ code: 'not_found', route: 'unmatched' });
    return c.json(reply.body, 404);
  });
}

/** Request id (a sane incoming one is kept), request logger, duration metric and access log. */
function requestContext({ logger, metrics }: ServerDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,64}$/.test(incoming) ? incoming : newId();
    c.set('requestId', requestId);
    c.set('log', logger.child({ requestId }));
    c.set('userId', undefined);
    c.set('rateLimited', false);
    c.header('x-request-id', requestId);
    await next();
    closeIfBodyUnread(c);
    const route = safeRoute(c);
    const seconds = (performance.now() - started) / 1000;
    metrics.httpDuration.observe({ method: c.req.method, route, status: String(c.res.status) }, seconds);
    c.get('log').info(
      {
        method: c.req.method,
        route,
        status: c.res.status,
        ms: Math.round(seconds * 1000),
        userId: c.get('userId'),
      },
      'request',
    );
  };
}

/**
 * A reply sent before the request body was read (an unknown filter's 404, a refused key, a
 * route that ignores its body) leaves the rest of the body on a keep-alive connection; the
 * Node adapter then drains it for a moment and destroys the socket, taking the client's next
 * request with it. Saying `connection: close` makes the client send that one on a new socket.
 */
function closeIfBodyUnread(c: Context<AppEnv>): void {
  const request = c.req.raw;
  const length = request.headers.get('content-length');
  const hasBody = length !== null ? Number(length) > 0 : request.headers.has('transfer-encoding');
  if (hasBody && !request.bodyUsed) c.header('connection', 'close');
}

/**
 * server.bodyLimitBytes on every request. NDJSON imports get IMPORT_LIMIT_FACTOR times more
 * and are never buffered here: a declared length over it is refused at once, and the route
 * counts the bytes as it streams them (server/import-body.ts).
 */
function limitBodies(limit: number): MiddlewareHandler<AppEnv> {
  const tooLarge = (max: number) => () => {
    throw new PayloadTooLargeError(
      `Request body exceeds ${max} bytes (server.bodyLimitBytes); send less or raise the limit.`,
    );
  };
  const importMax = limit * IMPORT_LIMIT_FACTOR;
  const limitOthers = bodyLimit({ maxSize: limit, onError: tooLarge(limit) });
  // A peer's pushed log entries come in batches (sync.batchSize), larger than ordinary JSON.
  const limitSync = bodyLimit({ maxSize: importMax, onError: tooLarge(importMax) });
  return async (c, next) => {
    if (c.req.path === '/v1/sync/log') return limitSync(c, next);
    if (c.req.path !== '/v1/import') return limitOthers(c, next);
    if (Number(c.req.header('content-length') ?? 0) > importMax) return tooLarge(importMax)();
    return next();
  };
}

/**
 * Authenticates every non-public request and applies the per-key rate limit. Paths for which
 * `degrades` is true go on with `rateLimited` set instead of a 429 (an integration asks for it);
 * paths an integration declares public (`isPublic`) need no key, like /healthz.
 */
function authenticate(
  deps: ServerDeps,
  degrades: (path: string) => boolean | undefined,
  isPublic: (path: string) => boolean,
): MiddlewareHandler<AppEnv> {
  const auth = createAuthenticator(deps.config.server, deps.config.sync.peers);
  return async (c, next) => {
    if (PUBLIC_PATHS.has(c.req.path) || isPublic(c.req.path)) return next();
    const principal = auth.authenticate(c.req.header('authorization'));
    c.set('principal', principal);
    if (principal.kind === 'peer') {
      if (!c.req.path.startsWith('/v1/sync/')) {
        throw new ForbiddenError('A sync peer key (sync.peers[].key) may only call the /v1/sync routes.');
      }
      // Peers page through logs in batches; their volume is bounded by sync.batchSize, not the key limit.
      return next();
    }
    try {
      deps.limiter.take('key', principal.kind === 'open' ? `open:${clientAddress(c)}` : principal.keyName);
    } catch (error) {
      if (!(MemoryError.isInstance(error) && error.code === 'rate_limited' && degrades(c.req.path) === true))
        throw error;
      c.set('rateLimited', true);
    }
    return next();
  };
}

function registerCoreRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  registerHealthRoutes(app, deps);
  registerOpenApiRoutes(app);
  registerMemoryRoutes(app, deps);
  registerMemoryGraphRoutes(app, deps);
  registerSearchRoutes(app, deps);
  registerTurnRoutes(app, deps);
  registerFeedbackRoutes(app, deps);
  registerExportImportRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerWhoamiRoutes(app, deps);
  registerTimelineRoutes(app, deps);
  registerEmotionRoutes(app, deps);
  registerMediaRoutes(app, deps);
  registerSyncRoutes(app, deps);
}

function safeRoute(c: Parameters<Parameters<Hono<AppEnv>['onError']>[0]>[1]): string {
  try {
    const path = routePath(c, -1);
    return path === '*' || path === '/*' ? 'unmatched' : path;
  } catch {
    return 'unmatched';
  }
}

function clientAddress(c: { env: unknown }): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}
