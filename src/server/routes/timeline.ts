/**
 * GET /v1/stats (one user's counts and bytes per layer) and GET /v1/timeline (that user's
 * memories counted per time bucket and layer, plus the dated events of the temporal layer):
 * the figures the inspector draws. The timeline pages through list() in the store's order
 * (oldest first) up to TIMELINE_SCAN memories and says when it stopped early; the
 * bucketing is pure (bucketTimeline) so it is tested without I/O.
 */
import type { Hono } from 'hono';
import { z } from 'zod';
import { LAYERS, type LayerName, LayerSchema, type Memory } from '../../types.ts';
import { parseWith } from '../../validation.ts';
import { type AppEnv, actFor, type ServerDeps } from '../context.ts';

/** The most memories one timeline request reads (a hundred list pages). */
export const TIMELINE_SCAN = 100_000;
const MAX_EVENTS = 500;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Bucket widths a reader can name ("a bar per week"), smallest first. */
const NICE_WIDTHS = [
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  91 * DAY,
  365 * DAY,
];

const TimelineParamsSchema = z.object({
  layer: LayerSchema.optional(),
  since: z.string().max(200).optional(),
  until: z.string().max(200).optional(),
  timeZone: z.string().max(100).optional(),
  buckets: z.coerce.number().int().min(1).max(366).default(60),
});

export interface TimelineBucket {
  /** UTC ISO start of the bucket; it spans `bucketMs`. */
  start: string;
  counts: Partial<Record<LayerName, number>>;
}

export interface Timeline {
  from: string | null;
  to: string | null;
  bucketMs: number;
  buckets: TimelineBucket[];
}

/**
 * Counts memories per bucket and layer over [first, last] createdAt, in at most `wanted`
 * buckets of a nice width (minutes up to a year), starting at a round UTC time.
 */
export function bucketTimeline(
  points: ReadonlyArray<{ at: number; layer: LayerName }>,
  wanted: number,
): Timeline {
  if (points.length === 0) return { from: null, to: null, bucketMs: DAY, buckets: [] };
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of points) {
    first = Math.min(first, p.at);
    last = Math.max(last, p.at);
  }
  const raw = (last - first + 1) / Math.max(1, wanted);
  const width = NICE_WIDTHS.find((w) => w >= raw) ?? Math.ceil(raw / (365 * DAY)) * 365 * DAY;
  // Sub-day buckets start on multiples of their width; longer ones at a UTC midnight.
  const align = Math.min(width, DAY);
  const from = Math.floor(first / align) * align;
  const count = Math.floor((last - from) / width) + 1;
  const buckets: TimelineBucket[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(from + i * width).toISOString(),
    counts: {},
  }));
  for (const p of points) {
    const bucket = buckets[Math.floor((p.at - from) / width)]!;
    bucket.counts[p.layer] = (bucket.counts[p.layer] ?? 0) + 1;
  }
  return {
    from: new Date(from).toISOString(),
    to: new Date(from + count * width).toISOString(),
    bucketMs: width,
    buckets,
  };
}

/** A temporal memory that names when something happens (metadata.kind 'event' with eventAt). */
function eventOf(memory: Memory): { id: string; at: string; createdAt: string; content: string } | null {
  const { kind, eventAt } = memory.metadata;
  if (memory.layer !== 'temporal' || kind !== 'event' || typeof eventAt !== 'string') return null;
  return { id: memory.id, at: eventAt, createdAt: memory.createdAt, content: memory.content.slice(0, 200) };
}

export function registerTimelineRoutes(app: Hono<AppEnv>, deps: ServerDeps): void {
  const { memory, metrics } = deps;

  app.get('/v1/stats', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const stats = await metrics.time('stats', () => memory.stats(userId));
    const byLayer = Object.fromEntries(
      LAYERS.map((layer) => [layer, stats.byLayer[layer] ?? { count: 0, bytes: 0 }]),
    );
    // Only the user's own figures: the store's path and the embedder are the operator's.
    return c.json({
      userId,
      memories: stats.memories,
      versions: stats.versions,
      bytes: stats.bytes,
      byLayer,
    });
  });

  app.get('/v1/timeline', async (c) => {
    const userId = actFor(c, deps, c.req.query('userId'));
    const { buckets, ...filter } = parseWith(TimelineParamsSchema, c.req.query(), 'query string');
    const query = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
    const points: Array<{ at: number; layer: LayerName }> = [];
    const events: NonNullable<ReturnType<typeof eventOf>>[] = [];
    let cursor: string | undefined;
    const end = metrics.operationDuration.startTimer({ operation: 'timeline' });
    try {
      do {
        const page = await memory.list({
          ...query,
          userId,
          includeSuperseded: false,
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        });
        for (const m of page.items) {
          points.push({ at: Date.parse(m.createdAt), layer: m.layer });
          const event = events.length < MAX_EVENTS ? eventOf(m) : null;
          if (event) events.push(event);
        }
        cursor = page.nextCursor ?? undefined;
      } while (cursor && points.length < TIMELINE_SCAN);
    } finally {
      end();
    }
    return c.json({
      userId,
      ...bucketTimeline(points, buckets),
      scanned: points.length,
      truncated: !!cursor,
      events,
    });
  });
}
