/**
 * The one clock. Everything that needs "now" takes a Clock so tests can pin time; all
 * instants are UTC ISO-8601 strings with millisecond precision.
 */

/** Where the engine reads "now"; pass one through `deps.clock` to pin time. */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock that stands still at `at` until set or advanced (for tests and replays). */
export function fixedClock(at: string | Date): Clock & {
  /** Moves the clock to `at`. */
  set(at: string | Date): void;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
} {
  let current = new Date(at);
  return {
    now: () => new Date(current.getTime()),
    /** Moves the clock to `next`. */
    set(next) {
      current = new Date(next);
    },
    /** Moves the clock forward by `ms` milliseconds. */
    advance(ms) {
      current = new Date(current.getTime() + ms);
    },
  };
}

/**
 * A clock that reads `at` when created and then runs forward with the real clock: "now" moved
 * to another instant (the CLI's `--at`) while writes made one after another keep their order.
 */
export function clockFrom(at: string | Date, base: Clock = systemClock): Clock {
  const offset = new Date(at).getTime() - base.now().getTime();
  return { now: () => new Date(base.now().getTime() + offset) };
}

/** The UTC ISO-8601 form of `date`. */
export function toIso(date: Date): string {
  return date.toISOString();
}

/** The clock's current instant as UTC ISO-8601. */
export function nowIso(clock: Clock): string {
  return clock.now().toISOString();
}
