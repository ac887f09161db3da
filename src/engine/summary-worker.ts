/**
 * The engine's background session summarizer. observeTurn queues a job in the store when a
 * turn ends a session (pipeline/session-summaries.ts); this worker is told of every stored
 * turn and runs the queue off the request path: config.layers.sessionSummaries.delayMs
 * after a job is queued (a burst of turns is one run), one user at a time, through the
 * engine's tracked runner (so close() waits for a job in progress and a closed engine
 * starts none). It also ends sessions that went idle (no turn for gapMinutes, checked on a
 * timer), and after open it picks up what an earlier process left: queued jobs (a crash,
 * kill -9 included, loses none) and open sessions. Timers never keep the process alive.
 * A failing job stays queued and is retried after RETRY_MS.
 */
import type { StrataConfig } from '../config/schema.ts';
import type { EngineContext, SessionWatcher } from '../layers/context.ts';
import type { Logger } from '../util/logger.ts';

const sessions = () => import('../pipeline/session-summaries.ts');

const RETRY_MS = 30_000;
const MAX_IDLE_CHECK_MS = 60_000;

/** What the engine runs: an operation on the open engine, tracked for close(). */
type Runner = <T>(fn: (ctx: EngineContext) => Promise<T>) => Promise<T>;

export interface SummaryWorker extends SessionWatcher {
  /** Ends the sessions idle past the gap and runs every queued job now. */
  flush(): Promise<{ written: number; pending: number }>;
  /** Looks for queued jobs and open sessions left by an earlier process (after open). */
  recover(): void;
  /** Stops the timers (the engine's close waits for a job in progress). */
  close(): void;
}

export function createSummaryWorker(config: StrataConfig, run: Runner, logger: Logger): SummaryWorker {
  const options = config.layers.sessionSummaries;
  const gapMs = options.gapMinutes * 60_000;
  const due = new Set<string>();
  const watch = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let closed = false;

  const later = (fn: () => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  };

  const schedule = (ms = options.delayMs) => {
    if (closed || timer || due.size === 0) return;
    timer = later(() => {
      timer = undefined;
      void drain();
    }, ms);
  };

  const drain = (): Promise<void> => {
    running ??= (async () => {
      while (due.size > 0 && !closed) {
        const userId = due.values().next().value as string;
        due.delete(userId);
        try {
          await run(async (ctx) => (await sessions()).runSummaryJobs(ctx, userId));
        } catch (error) {
          if (closed) return;
          logger.warn({ err: error, userId }, 'session summary failed; retrying later');
          due.add(userId);
          running = null;
          schedule(RETRY_MS);
          return;
        }
      }
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const checkIdle = async () => {
    if (closed || watch.size === 0) return;
    await run(async (ctx) => {
      const s = await sessions();
      const now = ctx.clock.now();
      for (const [userId, last] of [...watch]) {
        if (now.getTime() - last <= gapMs) continue;
        watch.delete(userId);
        if (await s.closeIdleSession(ctx, userId, now)) due.add(userId);
      }
    }).catch((error: unknown) => {
      if (!closed) logger.warn({ err: error }, 'idle session check failed');
    });
    schedule();
  };

  const startIdleTimer = () => {
    if (closed || idleTimer) return;
    idleTimer = setInterval(() => void checkIdle(), Math.min(gapMs, MAX_IDLE_CHECK_MS));
    idleTimer.unref();
  };

  return {
    noted(userId, at, queued) {
      watch.set(userId, at.getTime());
      startIdleTimer();
      if (queued) {
        due.add(userId);
        schedule();
      }
    },

    async flush() {
      await running;
      return run(async (ctx) => {
        const s = await sessions();
        const now = ctx.clock.now();
        let written = 0;
        for (const userId of await s.trackedUsers(ctx)) {
          await s.closeIdleSession(ctx, userId, now);
          written += await s.runSummaryJobs(ctx, userId);
          due.delete(userId);
          if ((await s.openSessionLast(ctx, userId)) === null) watch.delete(userId);
        }
        return { written, pending: (await s.summaryStats(ctx)).pending };
      });
    },

    recover() {
      later(() => {
        void run(async (ctx) => {
          const s = await sessions();
          for (const userId of await s.trackedUsers(ctx)) {
            if ((await s.summaryStats(ctx, userId)).pending > 0) due.add(userId);
            const last = await s.openSessionLast(ctx, userId);
            if (last !== null) watch.set(userId, last);
          }
          if (watch.size > 0) startIdleTimer();
          schedule(0);
        }).catch((error: unknown) => {
          if (!closed) logger.warn({ err: error }, 'session summary recovery failed');
        });
      }, options.delayMs);
    },

    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (idleTimer) clearInterval(idleTimer);
    },
  };
}
