/**
 * The one clock. Everything that needs "now" takes a Clock so tests can pin time; all
 * instants are UTC ISO-8601 strings with millisecond precision.
 */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function fixedClock(
  at: string | Date,
): Clock & { set(at: string | Date): void; advance(ms: number): void } {
  let current = new Date(at);
  return {
    now: () => new Date(current.getTime()),
    set(next) {
      current = new Date(next);
    },
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

export function toIso(date: Date): string {
  return date.toISOString();
}

export function nowIso(clock: Clock): string {
  return clock.now().toISOString();
}
