/**
 * Mounts the Open WebUI Pipelines protocol on the app: discovery (GET /models, /pipelines,
 * and /v1/models unless the proxy owns it), inlet/outlet per filter, and valves. Owns the
 * per-filter valves store under `<dataDir>/open-webui/`; failed turns go to the shared outbox.
 * Authentication already ran; here a bound key may only act for its own user (403
 * otherwise), and only admin keys may change valves, which are global.
 */
import { join } from 'node:path';
import type { Hono } from 'hono';
import { z } from 'zod';
import { ForbiddenError, MemoryError, NotFoundError, ValidationError } from '../../errors.ts';
import { resolveUserId } from '../../server/auth.ts';
import { type AppContext, type AppEnv, actFor, readJson, type ServerDeps } from '../../server/context.ts';
import type { ServerIntegration } from '../../server/integration.ts';
import type { TurnOutbox } from '../../server/turn-outbox.ts';
import { UserIdSchema } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { type FilterDeps, type InletChain, outletTurn, runInlet, runOutlet } from './filter.ts';
import { discoveryList, FilterEnvelopeSchema, type FilterInfo, filtersFor } from './protocol.ts';
import { createInjectionLog, type InjectionLog } from './ratings.ts';
import { createValvesStore, type Valves, valvesSchema } from './valves.ts';

export interface PipelinesHandle {
  filters: FilterInfo[];
}

const SEEN_LIMIT = 10_000;
const FILTER_CALL = /^(\/v1)?\/[^/]+\/filter\/(inlet|outlet)$/;

/** The Pipelines protocol as a server integration; filter calls degrade instead of a 429. */
export function openWebUiIntegration(): ServerIntegration {
  return {
    name: 'open-webui',
    degradesWhenRateLimited: (path) => FILTER_CALL.test(path),
    mount: ({ app, deps, outbox }) => {
      createPipelines(app, deps, outbox);
    },
  };
}

/** What the Pipelines routes share: the filters, their valves, the dedup set and the envelope reader. */
interface Pipelines {
  deps: ServerDeps;
  outbox: TurnOutbox;
  filters: FilterInfo[];
  filterDeps: FilterDeps;
  valvesStore: ReturnType<typeof createValvesStore>;
  schemaOf(filter: FilterInfo): ReturnType<typeof valvesSchema>;
  filterOf(c: AppContext): FilterInfo;
  valvesOf(filter: FilterInfo): Valves;
  /** True when this turn key was already handled (bounded memory of recent keys). */
  seen(key: string): boolean;
  /** The requests an inlet injected into, so the next filter on one merges (bounded too). */
  chain: InletChain;
  /** Which memories each reply was given, for its thumbs up/down (ratings.ts). */
  injections: InjectionLog;
  envelope(c: AppContext): Promise<{ body: Record<string, unknown>; userId: string | undefined }>;
}

export function createPipelines(app: Hono<AppEnv>, deps: ServerDeps, outbox: TurnOutbox): PipelinesHandle {
  const pipelines = pipelinesOf(deps, outbox);
  registerDiscovery(app, pipelines);
  // Like the Pipelines server, answer with and without /v1, so a connection URL that ends
  // in /v1 works too.
  for (const prefix of ['', '/v1']) {
    registerInlet(app, pipelines, prefix);
    registerOutlet(app, pipelines, prefix);
    registerValves(app, pipelines, prefix);
  }
  return { filters: pipelines.filters };
}

function pipelinesOf(deps: ServerDeps, outbox: TurnOutbox): Pipelines {
  const filters = filtersFor(deps.memory.layers);
  const byId = new Map(filters.map((filter) => [filter.id, filter]));
  const valvesStore = createValvesStore(join(deps.dataDir, 'open-webui', 'valves.json'));
  const defaults = { maxTokens: deps.config.recall.maxTokens };
  const schemaOf = (filter: FilterInfo) => valvesSchema(defaults, filter.layer === undefined);
  const seenKeys = new Set<string>();
  const injectedKeys = new Set<string>();
  return {
    deps,
    outbox,
    filters,
    valvesStore,
    schemaOf,
    filterDeps: {
      memory: deps.memory,
      logger: deps.logger,
      outbox,
      degraded: (surface, reason) => deps.metrics.degraded.inc({ surface, reason }),
      time: (operation, fn) => deps.metrics.time(operation, fn),
    },
    seen(key) {
      if (seenKeys.has(key)) return true;
      seenKeys.add(key);
      if (seenKeys.size > SEEN_LIMIT) seenKeys.delete(seenKeys.values().next().value as string);
      return false;
    },
    chain: {
      injected: (key) => injectedKeys.has(key),
      mark(key) {
        injectedKeys.add(key);
        if (injectedKeys.size > SEEN_LIMIT) injectedKeys.delete(injectedKeys.values().next().value as string);
      },
    },
    injections: createInjectionLog(),
    filterOf(c) {
      const filter = byId.get(c.req.param('id') ?? '');
      if (!filter) {
        throw new NotFoundError(`Unknown filter "${c.req.param('id')}"; GET /models lists the filters.`);
      }
      return filter;
    },
    valvesOf(filter) {
      const parsed = schemaOf(filter).safeParse(valvesStore.get(filter.id) ?? {});
      return (parsed.success ? parsed.data : schemaOf(filter).parse({})) as Valves;
    },
    envelope: (c) => readEnvelope(c, deps),
  };
}

/** The filter request's body and the user it acts for; a rate-limited user is marked, not refused. */
async function readEnvelope(
  c: AppContext,
  deps: ServerDeps,
): Promise<{ body: Record<string, unknown>; userId: string | undefined }> {
  const parsed = parseWith(FilterEnvelopeSchema, await readJson(c), 'filter request');
  // No user object with an admin key: nothing to remember for; the chat goes on untouched.
  if (!parsed.user?.id && c.get('principal').kind !== 'user') {
    deps.metrics.degraded.inc({ surface: 'open-webui', reason: 'no_user' });
    return { body: parsed.body, userId: undefined };
  }
  let userId: string;
  try {
    userId = actFor(c, deps, parsed.user?.id);
  } catch (error) {
    if (!(MemoryError.isInstance(error) && error.code === 'rate_limited')) throw error;
    userId =
      c.get('userId') ??
      parseWith(UserIdSchema, resolveUserId(c.get('principal'), parsed.user?.id), 'userId', 'user.id');
    c.set('rateLimited', true);
  }
  return { body: parsed.body, userId };
}

function registerDiscovery(app: Hono<AppEnv>, { deps, filters }: Pipelines): void {
  const created = Math.floor(deps.clock.now().getTime() / 1000);
  const list = (c: AppContext) => c.json(discoveryList(filters, created));
  app.get('/models', list);
  app.get('/pipelines', list);
  app.get('/v1/pipelines', list);
  if (!deps.config.server.upstream) app.get('/v1/models', list);
}

function registerInlet(app: Hono<AppEnv>, p: Pipelines, prefix: string): void {
  app.post(`${prefix}/:id/filter/inlet`, async (c) => {
    const filter = p.filterOf(c);
    const { body, userId } = await p.envelope(c);
    if (!userId) return c.json(body);
    if (c.get('rateLimited')) {
      p.deps.metrics.degraded.inc({ surface: 'open-webui-inlet', reason: 'rate_limited' });
      return c.json(body);
    }
    const valves = p.valvesOf(filter);
    return c.json(
      await runInlet(
        p.filterDeps,
        {
          userId,
          valves,
          chain: p.chain,
          injections: p.injections,
          ...(filter.layer ? { layer: filter.layer } : {}),
        },
        body,
      ),
    );
  });
}

function registerOutlet(app: Hono<AppEnv>, p: Pipelines, prefix: string): void {
  app.post(`${prefix}/:id/filter/outlet`, async (c) => {
    const filter = p.filterOf(c);
    const { body, userId } = await p.envelope(c);
    if (!userId) return c.json(body);
    const valves = p.valvesOf(filter);
    if (c.get('rateLimited')) {
      // Stored later from the outbox instead of refused: the turn is not lost.
      const extracted = valves.enabled && valves.storeTurns ? outletTurn(userId, body) : undefined;
      if (extracted && !p.seen(extracted.key))
        p.outbox.enqueue(extracted.key, extracted.turn, 'rate limited');
      p.deps.metrics.degraded.inc({ surface: 'open-webui-outlet', reason: 'rate_limited' });
      return c.json(body);
    }
    return c.json(
      await runOutlet(p.filterDeps, { userId, valves, seen: p.seen, injections: p.injections }, body),
    );
  });
}

function registerValves(app: Hono<AppEnv>, p: Pipelines, prefix: string): void {
  app.get(`${prefix}/:id/valves/spec`, (c) => {
    const filter = p.filterOf(c);
    return c.json(z.toJSONSchema(p.schemaOf(filter), { io: 'input', unrepresentable: 'any' }));
  });
  app.get(`${prefix}/:id/valves`, (c) => c.json(p.valvesOf(p.filterOf(c))));
  app.post(`${prefix}/:id/valves/update`, async (c) => {
    const filter = p.filterOf(c);
    if (c.get('principal').kind === 'user') {
      throw new ForbiddenError('Valves are global settings; only an admin key may change them.');
    }
    const raw = await readJson(c);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new ValidationError('Valves must be a JSON object (the full valves, see valves/spec).');
    }
    const valves = parseWith(p.schemaOf(filter), raw, 'valves', 'valves');
    p.valvesStore.set(filter.id, valves as Record<string, unknown>);
    return c.json(valves);
  });
}
