/**
 * Prometheus metrics for one server instance, on its own registry (so several apps in one
 * process, as in tests, never collide): request latency per route, engine operation
 * latency, error counters by code, Open WebUI degradations and the retry queue, and
 * gauges read from the engine at scrape time (embed queue depth, cache hit ratio,
 * memories per layer).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { StrataMemory } from '../engine/strata-memory.ts';
import type { MemoryStats } from '../types.ts';
import { type Clock, systemClock } from '../util/clock.ts';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface ServerMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  operationDuration: Histogram<'operation'>;
  errors: Counter<'code' | 'route'>;
  degraded: Counter<'surface' | 'reason'>;
  retryQueueDepth: Gauge;
  /** Turns kept in the dead-letter folder (refused for good: quota, invalid). */
  deadLetterDepth: Gauge;
  /** Imports running now (at most server.import.maxConcurrent). */
  importsInFlight: Gauge;
  /** Times an engine call and records it under `operation`. */
  time<T>(operation: string, fn: () => Promise<T>): Promise<T>;
  /** Connects the scrape-time gauges to an engine. */
  observeMemory(memory: StrataMemory): void;
}

export function createMetrics(options: { defaultMetrics?: boolean; clock?: Clock } = {}): ServerMetrics {
  const clock = options.clock ?? systemClock;
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'strata_' });
  const httpDuration = new Histogram({
    name: 'strata_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const operationDuration = new Histogram({
    name: 'strata_operation_duration_seconds',
    help: 'Engine operation latency (add, search, observe, recall ...)',
    labelNames: ['operation'] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'strata_errors_total',
    help: 'Errors returned to clients, by error code and route',
    labelNames: ['code', 'route'] as const,
    registers: [registry],
  });
  const degraded = new Counter({
    name: 'strata_degraded_total',
    help: 'Integration calls that degraded instead of failing (e.g. Open WebUI inlet returned the body unchanged)',
    labelNames: ['surface', 'reason'] as const,
    registers: [registry],
  });
  const retryQueueDepth = new Gauge({
    name: 'strata_turn_retry_queue_depth',
    help: 'Turns waiting in the durable retry queue',
    registers: [registry],
  });
  const deadLetterDepth = new Gauge({
    name: 'strata_turn_dead_letter_depth',
    help: 'Turns kept in outbox/dead (refused for good: over a quota, or invalid)',
    registers: [registry],
  });
  const importsInFlight = new Gauge({
    name: 'strata_imports_in_flight',
    help: 'Imports (POST /v1/import) running now; at most server.import.maxConcurrent',
    registers: [registry],
  });
  let memoryRef: StrataMemory | undefined;
  // One stats() call serves all gauges of a scrape.
  let cached: { at: number; stats: Promise<MemoryStats> } | undefined;
  const stats = (): Promise<MemoryStats> => {
    const now = clock.now().getTime();
    if (!cached || now - cached.at > 1_000) cached = { at: now, stats: memoryRef!.stats() };
    return cached.stats;
  };
  const statsGauge = (name: string, help: string, labelNames: string[], read: (g: Gauge) => Promise<void>) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        if (!memoryRef?.isReady) return;
        try {
          await read(this);
        } catch {
          // A failing scrape must not fail /metrics; the gauge keeps its last value.
        }
      },
    });
  statsGauge('strata_memories', 'Stored memories by layer', ['layer'], async (gauge) => {
    for (const [layer, value] of Object.entries((await stats()).byLayer)) gauge.set({ layer }, value.count);
  });
  statsGauge('strata_embed_cache_hit_ratio', 'Embedding cache hit ratio', [], async (gauge) => {
    gauge.set((await stats()).embedder?.cacheHitRate ?? 0);
  });
  statsGauge('strata_embed_queue_depth', 'Texts waiting in the embedding batch queue', [], async (gauge) => {
    gauge.set((await stats()).embedder?.queueDepth ?? 0);
  });
  statsGauge(
    'strata_summary_queue_depth',
    'Finished sessions waiting for their summary',
    [],
    async (gauge) => {
      gauge.set((await stats()).summaries?.pending ?? 0);
    },
  );
  statsGauge(
    'strata_summary_lag_seconds',
    'How long the oldest queued session summary has waited',
    [],
    async (gauge) => {
      gauge.set(((await stats()).summaries?.lagMs ?? 0) / 1000);
    },
  );
  return {
    registry,
    httpDuration,
    operationDuration,
    errors,
    degraded,
    retryQueueDepth,
    deadLetterDepth,
    importsInFlight,
    async time(operation, fn) {
      const end = operationDuration.startTimer({ operation });
      try {
        return await fn();
      } finally {
        end();
      }
    },
    observeMemory(memory) {
      memoryRef = memory;
    },
  };
}
