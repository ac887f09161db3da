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

export function toIso(date: Date): string {
  return date.toISOString();
}

export function nowIso(clock: Clock): string {
  return clock.now().toISOString();
}
