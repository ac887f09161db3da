/**
 * What the engine's parts share: config, store, embedder, clock and logger. Pipeline
 * functions (observe, recall, consolidate) take an EngineContext instead of reaching for
 * globals, so tests build one from an in-memory store and a fixed clock.
 *
 * A call may carry a {@link WriteGate} (the server's per-user quotas): every store write
 * that produces or grows memories goes through `admit` with what it adds, at the point the
 * write happens, so a gate sees exactly what is stored (a turn yields several memories
 * across layers) and can check and write in one step.
 */
import type { StrataConfig } from '../config/schema.ts';
import type { Embedder } from '../embedders/types.ts';
import type { MediaRuntime } from '../media/media-runtime.ts';
import type { MemoryStore } from '../stores/types.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';

/** What one write adds for one user: new memories and bytes (negative when it shrinks). */
export interface ProducedWrite {
  userId: string;
  memories: number;
  bytes: number;
}

/** Admission of writes (quotas): throws to refuse, else runs `write` and returns its result. */
export interface WriteGate {
  /** Runs `write` if the memories it produces fit (a quota, say), or throws without running it. */
  admit<T>(produced: readonly ProducedWrite[], write: () => Promise<T>): Promise<T>;
}

/** The engine's background session summarizer (pipeline/session-summaries.ts queues, it runs). */
export interface SessionWatcher {
  /** A turn of `userId` at `at` was stored; `queued`: it ended a session whose summary is queued. */
  noted(userId: string, at: Date, queued: boolean): void;
}

export interface EngineContext {
  config: StrataConfig;
  store: MemoryStore;
  embedder: Embedder;
  clock: Clock;
  logger: Logger;
  /** Blobs and analysers for images and voice in messages (absent: media parts stay placeholders). */
  media?: MediaRuntime;
  /** Admits every producing write of this call (absent: no quota). */
  gate?: WriteGate;
  /** Told of every stored turn, to run queued session summaries in the background. */
  sessions?: SessionWatcher;
}

/** Runs a producing write through the call's gate, if it has one. */
export function admitWrite<T>(
  ctx: EngineContext,
  produced: readonly ProducedWrite[],
  write: () => Promise<T>,
): Promise<T> {
  return ctx.gate ? ctx.gate.admit(produced, write) : write();
}
