/**
 * createMemory(): the one engine behind every surface. It validates config, builds the
 * store and embedder from their factories (or takes them injected), opens them lazily and
 * once (single-flight ready()), and implements StrataMemory: CRUD with versioning, hybrid
 * search, NDJSON export/import, re-embedding, and delegation of turns/recall/consolidation
 * to the layer pipeline. Every method validates its input at this edge and is scoped to
 * one userId; a memory of another user is reported exactly like a missing one.
 */
import { Readable } from 'node:stream';
import { validateConfig } from '../config/load.ts';
import type { StrataConfig, StrataConfigInput } from '../config/schema.ts';
import { createEmbedder } from '../embedders/create-embedder.ts';
import type { Embedder } from '../embedders/types.ts';
import { ClosedError, ConfigError, NotFoundError, ValidationError } from '../errors.ts';
import { admitWrite, type EngineContext } from '../layers/context.ts';
import type { EmotionCluster } from '../layers/emotional/clusters.ts';
import { isBlobId } from '../media/blob-store.ts';
import { createMediaRuntime } from '../media/media-runtime.ts';
import type { BlobStore, StoredBlob } from '../media/types.ts';
import type { ConsolidateOptions } from '../pipeline/consolidate.ts';
import type { Features } from '../pipeline/learned-features.ts';
import type { Candidate } from '../pipeline/learner.ts';
import { refitPrior } from '../pipeline/learner-store.ts';
import { hybridSearch, searchFilter } from '../pipeline/retrieval/hybrid.ts';
import { newMemory } from '../records.ts';
import { createStore } from '../stores/create-store.ts';
import { memoryBytes } from '../stores/shared/records.ts';
import type { MemoryStore, StoredRecord } from '../stores/types.ts';
import { contentText } from '../text/content.ts';
import {
  type ExplainResult,
  type FeedbackInput,
  type FeedbackResult,
  type ImportResult,
  type ListQuery,
  ListQuerySchema,
  type Memory,
  type MemoryInput,
  MemoryInputSchema,
  type MemoryPatch,
  MemoryPatchSchema,
  type MemoryStats,
  type MemoryVersion,
  type ObserveResult,
  type Page,
  type RecallRequest,
  type SearchQuery,
  SearchQuerySchema,
  type SearchResult,
  type TurnInput,
} from '../types.ts';
import { type Clock, nowIso, systemClock } from '../util/clock.ts';
import { type Logger, silentLogger } from '../util/logger.ts';
import { parseWith } from '../validation.ts';
import { changeLogOf } from './change-log.ts';
import { explainRecall, learningStats } from './explain.ts';
import { applyFeedback } from './feedback.ts';
import { implicitRatings } from './implicit-feedback.ts';
import { reembedAll } from './reembed.ts';
import { engineStats } from './stats.ts';
import type {
  ExportOptions,
  ImportOptions,
  ReembedProgress,
  StrataMemory,
  WriteOptions,
} from './strata-memory.ts';
import { createSummaryWorker, type SummaryWorker } from './summary-worker.ts';
import { exportLines, importNdjson } from './transfer.ts';
import { checkBatch, checkContent, checkMetadata, parseUserId } from './validate.ts';
import { getOwned, KeyedQueue, rollbackChanges, writeVersion } from './versions.ts';

/** The layer pipeline (NLP models, extractors) loads on first use: CRUD and search start fast. */
const pipeline = () => import('../pipeline/index.ts');
/** How many memories the learner's dry-run recall of a rated message ranks (it scores about 3× as many). */
const PROBE_K = 50;

/** The summary queue's figures (its module loads only when stats are asked for). */
async function summaryStatsOf(ctx: EngineContext, userId?: string) {
  return (await import('../pipeline/session-summaries.ts')).summaryStats(ctx, userId);
}

/** What {@link createMemory} can be given instead of building it from the configuration. */
export interface MemoryDeps {
  clock?: Clock;
  logger?: Logger;
  store?: MemoryStore;
  embedder?: Embedder;
  /** Where media blobs live (default: `<dataDir>/media`, in memory for a throwaway store). */
  blobs?: BlobStore;
}

/** Creates the memory engine. Every option of `config` is optional (SQLite in `./.strata`, the offline static embedder); nothing is opened until the first call or {@link StrataMemory.ready}. */
export function createMemory(
  config: StrataConfigInput | StrataConfig = {},
  deps: MemoryDeps = {},
): StrataMemory {
  return new Engine(validateConfig(config), deps);
}

class Engine implements StrataMemory {
  readonly layers: StrataMemory['layers'];
  readonly #ctx: EngineContext;
  #opening: Promise<void> | null = null;
  #openedWithModelChange = false;
  #ready = false;
  #closed = false;
  #closing: Promise<void> | null = null;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #writes = new KeyedQueue();
  readonly changeLog = changeLogOf((fn) => this.#run(fn));
  readonly #summaries: SummaryWorker | null;

  constructor(config: StrataConfig, deps: MemoryDeps) {
    this.layers = [...config.layers.enabled];
    const logger = deps.logger ?? silentLogger;
    const clock = deps.clock ?? systemClock;
    this.#ctx = {
      config,
      store: deps.store ?? createStore(config, { clock }),
      embedder: deps.embedder ?? createEmbedder(config),
      clock,
      logger,
      media: createMediaRuntime(config, logger, deps.blobs ? { blobs: deps.blobs } : {}),
    };
    const summaries = config.layers.sessionSummaries.enabled && config.layers.enabled.includes('symbolic');
    this.#summaries = summaries ? createSummaryWorker(config, (fn) => this.#run(fn), logger) : null;
    if (this.#summaries) this.#ctx.sessions = this.#summaries;
  }

  get isReady(): boolean {
    return this.#ready && !this.#closed;
  }

  ready(): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError());
    return this.#open(false);
  }

  #open(allowModelChange: boolean): Promise<void> {
    // Once open, the models matched, so re-embedding needs no second open.
    if (this.#opening && (this.#ready || !allowModelChange || this.#openedWithModelChange))
      return this.#opening;
    const previous = this.#opening;
    const { store, embedder } = this.#ctx;
    const opening = (async () => {
      if (previous && (await succeeded(previous))) return;
      await embedder.ready();
      await store.open({ model: { id: embedder.id, dimensions: embedder.dimensions }, allowModelChange });
      this.#ready = true;
      // Summary jobs and open sessions an earlier process left are picked up in the background.
      this.#summaries?.recover();
    })();
    this.#openedWithModelChange = allowModelChange;
    // A failed open (model mismatch, missing model) is not cached: the next call retries.
    this.#opening = opening.catch((error: unknown) => {
      if (this.#opening === guarded) this.#opening = null;
      throw error;
    });
    const guarded = this.#opening;
    return guarded;
  }

  /** Runs an operation once open, tracked so close() can wait for it; a write gate joins its context. */
  async #run<T>(
    fn: (ctx: EngineContext) => Promise<T>,
    allowModelChange = false,
    options: WriteOptions = {},
  ): Promise<T> {
    if (this.#closed) throw new ClosedError();
    const ctx = options.gate ? { ...this.#ctx, gate: options.gate } : this.#ctx;
    const task = (async () => {
      await this.#open(allowModelChange);
      return fn(ctx);
    })();
    this.#inFlight.add(task);
    try {
      return await task;
    } finally {
      this.#inFlight.delete(task);
    }
  }

  add(input: MemoryInput, options?: WriteOptions): Promise<Memory> {
    return this.#addMany([input], 'input', options).then((memories) => memories[0]!);
  }

  addMany(inputs: MemoryInput[], options?: WriteOptions): Promise<Memory[]> {
    return this.#addMany(inputs, 'inputs', options);
  }

  /** One embedMany call and one store transaction for the whole batch (admitted whole). */
  #addMany(inputs: MemoryInput[], label: string, options: WriteOptions = {}): Promise<Memory[]> {
    return this.#run(
      async (ctx) => {
        if (!Array.isArray(inputs)) throw new ValidationError(`${label} must be an array of memory inputs.`);
        checkBatch(inputs.length, ctx.config, label);
        if (inputs.length === 0) return [];
        const single = label === 'input';
        const parsed = inputs.map((input, i) => {
          const field = single ? label : `${label}[${i}]`;
          const value = parseWith(MemoryInputSchema, input, 'memory input', field);
          value.content = checkContent(value.content, ctx.config, `${field}.content`);
          checkMetadata(value.metadata, ctx.config, `${field}.metadata`);
          return value;
        });
        const vectors = await ctx.embedder.embedMany(parsed.map((p) => p.content));
        const now = nowIso(ctx.clock);
        const records: StoredRecord[] = parsed.map((p, i) => ({
          memory: newMemory(withoutUndefined(p), now, ctx.embedder.id),
          vector: vectors[i]!,
        }));
        const produced = new Map<string, { userId: string; memories: number; bytes: number }>();
        for (const { memory } of records) {
          const entry = produced.get(memory.userId) ?? { userId: memory.userId, memories: 0, bytes: 0 };
          entry.memories += 1;
          entry.bytes += memoryBytes(memory);
          produced.set(memory.userId, entry);
        }
        await admitWrite(ctx, [...produced.values()], () => ctx.store.insert(records, 'create'));
        return records.map((r) => r.memory);
      },
      false,
      options,
    );
  }

  get(userId: string, id: string): Promise<Memory> {
    return this.#run((ctx) => getOwned(ctx, userId, id));
  }

  list(query: ListQuery): Promise<Page<Memory>> {
    return this.#run(async (ctx) => {
      const q = parseWith(ListQuerySchema, query, 'list query');
      // ListQuery names one `layer`; the shared filter builder takes `layers`.
      const filter = searchFilter(ctx, q.layer ? { ...q, layers: [q.layer] } : q);
      return ctx.store.list(
        filter,
        q.cursor === undefined ? { limit: q.limit } : { limit: q.limit, cursor: q.cursor },
      );
    });
  }

  update(userId: string, id: string, patch: MemoryPatch, options?: WriteOptions): Promise<Memory> {
    return this.#run(
      async (ctx) => {
        const changes = parseWith(MemoryPatchSchema, patch, 'patch', 'patch');
        if (Object.values(changes).every((v) => v === undefined)) {
          throw new ValidationError(
            'patch is empty; give at least one of content, importance, layer, metadata, links, sources, supersededBy.',
            { details: { field: 'patch' } },
          );
        }
        if (changes.content !== undefined) {
          changes.content = checkContent(changes.content, ctx.config, 'patch.content');
        }
        checkMetadata(changes.metadata, ctx.config, 'patch.metadata');
        return this.#writeVersion(ctx, userId, id, withoutUndefined(changes), 'update');
      },
      false,
      options,
    );
  }

  /** In-process writers of one memory queue up; see engine/versions.ts for cross-process races. */
  #writeVersion(
    ctx: EngineContext,
    userId: string,
    id: string,
    changes: Partial<Memory>,
    op: 'update' | 'rollback',
  ): Promise<Memory> {
    return this.#writes.run(`${userId}\u0000${id}`, () => writeVersion(ctx, userId, id, changes, op));
  }

  delete(userId: string, id: string): Promise<void> {
    return this.#run(async (ctx) => {
      // getOwned gives the same not-found answer for a missing and a foreign id.
      await getOwned(ctx, userId, id);
      await this.#writes.run(`${userId}\u0000${id}`, () => ctx.store.delete(userId, [id]));
    });
  }

  history(userId: string, id: string): Promise<MemoryVersion[]> {
    return this.#run(async (ctx) => {
      await getOwned(ctx, userId, id);
      return ctx.store.history(userId, id);
    });
  }

  rollback(userId: string, id: string, version: number, options?: WriteOptions): Promise<Memory> {
    return this.#run(
      async (ctx) => {
        const restored = await rollbackChanges(ctx, userId, id, version);
        return this.#writeVersion(ctx, userId, id, restored, 'rollback');
      },
      false,
      options,
    );
  }

  search(query: SearchQuery): Promise<SearchResult[]> {
    return this.#run((ctx) => hybridSearch(ctx, parseWith(SearchQuerySchema, query, 'search query')));
  }

  feedback(input: FeedbackInput): Promise<FeedbackResult> {
    return this.#run((ctx) => this.#feedback(ctx, input));
  }

  #feedback(ctx: EngineContext, input: FeedbackInput): Promise<FeedbackResult> {
    // One user's feedback calls run in turn: the learner's state is read, updated and written.
    const user = typeof input?.userId === 'string' ? input.userId : '';
    return this.#writes.run(`feedback\u0000${user}`, () =>
      applyFeedback(
        ctx,
        input,
        (userId, id, next) =>
          this.#writes.run(`${userId}\u0000${id}`, async () => {
            const changes = next(await getOwned(ctx, userId, id));
            return changes ? writeVersion(ctx, userId, id, changes, 'update') : null;
          }),
        (userId, query) => this.#probe(ctx, userId, query),
      ),
    );
  }

  /** Every candidate a dry-run recall of `query` scores, best default score first (what the learner ranks). */
  async #probe(ctx: EngineContext, userId: string, query: string): Promise<Candidate[]> {
    const p = await pipeline();
    const found = new Map<string, Candidate>();
    await p.recall(
      ctx,
      { userId, messages: [{ role: 'user', content: query }], dryRun: true, k: PROBE_K },
      { collect: (c) => found.set(c.id, c) },
    );
    return [...found.values()].sort((a, b) => b.base - a.base);
  }

  observeTurn(turn: Parameters<StrataMemory['observeTurn']>[0], options?: WriteOptions) {
    return this.#run(
      async (ctx) => {
        const result = await pipeline().then((p) => p.observeTurn(ctx, turn));
        if (ctx.config.learning.implicit && !result.skipped && turn.recalled?.length) {
          // The turn is stored either way: a failed rating is logged, not thrown.
          await this.#implicitFeedback(ctx, turn, result).catch((error: unknown) =>
            ctx.logger.warn({ err: error, userId: turn.userId }, 'implicit feedback not applied'),
          );
        }
        return result;
      },
      false,
      options,
    );
  }

  /** Rates the memories the model got for this turn's reply by whether the reply used them (implicit-feedback.ts). */
  async #implicitFeedback(ctx: EngineContext, turn: TurnInput, result: ObserveResult): Promise<void> {
    const last = (role: string) => [...turn.messages].reverse().find((m) => m.role === role);
    const reply = last('assistant');
    if (!reply) return;
    const question = contentText(last('user')?.content ?? '');
    const memories: Memory[] = [];
    for (const id of new Set(turn.recalled ?? [])) {
      // A memory deleted (or never the user's) since it was recalled is skipped.
      const found = await getOwned(ctx, turn.userId, id).catch((error: unknown) => {
        if (error instanceof NotFoundError) return null;
        throw error;
      });
      if (found) memories.push(found);
    }
    // Facts this turn replaced: what a correction ("no, I moved to Berlin") contradicts.
    const superseded = new Set(result.updated.filter((m) => m.supersededBy).map((m) => m.id));
    const { used, unused, wrong } = implicitRatings(
      memories,
      contentText(reply.content),
      question,
      superseded,
    );
    const base = {
      userId: turn.userId,
      messageId: `implicit:${result.turnId}`,
      recalled: memories.map((m) => m.id),
      ...(question ? { query: question.slice(0, 32_768) } : {}),
    };
    if (used.length) await this.#feedback(ctx, { ...base, memoryIds: used, rating: 'useful' });
    if (unused.length) await this.#feedback(ctx, { ...base, memoryIds: unused, rating: 'not_useful' });
    if (wrong.length) await this.#feedback(ctx, { ...base, memoryIds: wrong, rating: 'wrong' });
  }

  recall(request: Parameters<StrataMemory['recall']>[0]) {
    return this.#run((ctx) => pipeline().then((p) => p.recall(ctx, request)));
  }

  explain(request: RecallRequest): Promise<ExplainResult> {
    return this.#run(async (ctx) => {
      const p = await pipeline();
      const features = new Map<string, Features>();
      const result = await p.recall(
        ctx,
        { ...request, dryRun: true },
        { collect: (c) => features.set(c.id, c.features) },
      );
      return explainRecall(ctx, request, result, features);
    });
  }

  consolidate(options: ConsolidateOptions = {}) {
    return this.#run(async (ctx) => {
      const result = await pipeline().then((p) => p.consolidate(ctx, options));
      // The learner's global prior is refitted from every user's weights by an all-user run only.
      if (options.userId === undefined && ctx.config.learning.enabled) await refitPrior(ctx);
      return result;
    });
  }

  flushSummaries(): Promise<{ written: number; pending: number }> {
    if (!this.#summaries) return this.#run(async () => ({ written: 0, pending: 0 }));
    return this.#summaries.flush();
  }

  emotionClusters(userId: string): Promise<EmotionCluster[]> {
    return this.#run((ctx) => pipeline().then((p) => p.emotionClusters(ctx, parseUserId(userId))));
  }

  export(userId: string, options: ExportOptions = {}): Readable {
    const engine = this;
    async function* lines(): AsyncGenerator<string> {
      const user = parseUserId(userId);
      if (engine.#closed) throw new ClosedError();
      await engine.#open(false);
      // Streaming outlives any single call, so each batch re-checks that the engine is open.
      yield* exportLines(engine.#ctx, user, options, () => engine.#closed);
    }
    return Readable.from(lines(), { objectMode: false });
  }

  import(ndjson: string | Readable, options: ImportOptions = {}): Promise<ImportResult> {
    return this.#run((ctx) => importNdjson(ctx, ndjson, options), false, options);
  }

  deleteUser(userId: string): Promise<number> {
    return this.#run(async (ctx) => {
      const user = parseUserId(userId);
      const deleted = await ctx.store.deleteUser(user);
      await ctx.media?.blobs.deleteUser(user);
      return deleted;
    });
  }

  getMedia(userId: string, id: string): Promise<StoredBlob> {
    return this.#run(async (ctx) => {
      const user = parseUserId(userId);
      const blob = typeof id === 'string' && isBlobId(id) ? await ctx.media?.blobs.get(user, id) : null;
      if (!blob) {
        throw new NotFoundError(
          `No media ${String(id).slice(0, 80)} for user ${user}; ids are the sha256 shown in recall lines and metadata.media.`,
          {
            details: { field: 'id' },
          },
        );
      }
      return blob;
    });
  }

  users(): Promise<string[]> {
    return this.#run(async (ctx) => [...(await ctx.store.users())].sort());
  }

  stats(userId?: string): Promise<MemoryStats> {
    return this.#run(async (ctx) => {
      const user = userId === undefined ? undefined : parseUserId(userId);
      return {
        ...(await engineStats(ctx, user)),
        learning: await learningStats(ctx, user),
        summaries: await summaryStatsOf(ctx, user),
      };
    });
  }

  reembed(onProgress?: (progress: ReembedProgress) => void): Promise<{ reembedded: number }> {
    return this.#run((ctx) => reembedAll(ctx, onProgress), true);
  }

  backup(destination: string): Promise<string> {
    return this.#run(async (ctx) => {
      if (!ctx.store.backup) {
        throw new ConfigError(
          `The ${ctx.store.kind} store does not support backups; use the sqlite or qdrant store.`,
        );
      }
      return ctx.store.backup(destination);
    });
  }

  rotateKeys(): Promise<{ rewritten: number }> {
    return this.#run(async (ctx) => {
      if (!ctx.store.rotateKeys) {
        throw new ConfigError(
          `The ${ctx.store.kind} store has no key rotation command (the qdrant store re-encrypts under the current key when it opens).`,
        );
      }
      const rewritten = await ctx.store.rotateKeys();
      return { rewritten: rewritten + ((await ctx.media?.blobs.rotateKeys()) ?? 0) };
    });
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closed = true;
    this.#summaries?.close();
    this.#closing = (async () => {
      await Promise.allSettled([...this.#inFlight]);
      // The embedder flushes its queue before the store goes away.
      await this.#ctx.embedder.close();
      await this.#ctx.media?.close();
      if (this.#opening) await this.#opening.catch(() => undefined);
      await this.#ctx.store.close();
      this.#ready = false;
    })();
    return this.#closing;
  }
}

function succeeded(promise: Promise<unknown>): Promise<boolean> {
  return promise.then(
    () => true,
    () => false,
  );
}

/** exactOptionalPropertyTypes: drop keys whose value is undefined before spreading. */
function withoutUndefined<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
