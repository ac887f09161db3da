/**
 * Calendar periods on a wall clock: a day, week (Monday first), month or year shifted by N,
 * a weekend, a rolling window ending now; each returned as inclusive UTC ISO bounds of
 * the period in the given IANA zone. Pure functions used by time-filter.ts.
 */
import { startOfDay, utcOf, type Wall, weekdayMonday0 } from './time-zone.ts';

/** Counts written as words in time expressions ("two weeks ago", "a couple of days", "for twenty years"); each caller's pattern decides which it accepts. */
export const NUMBER_WORDS: Readonly<Record<string, number>> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  couple: 2,
  few: 3,
};

export type Unit = 'day' | 'week' | 'month' | 'year';

/** Inclusive UTC ISO bounds. */
export interface ResolvedRange {
  since: string;
  until: string;
}

export function rolling(
  today: Wall,
  delta: number,
  unit: Unit,
  ctx: { now: Date; timeZone: string },
): ResolvedRange {
  const from = { ...today };
  if (unit === 'day') from.day += delta;
  if (unit === 'week') from.day += 7 * delta;
  if (unit === 'month') from.month += delta;
  if (unit === 'year') from.year += delta;
  return { since: utcOf(from, ctx.timeZone).toISOString(), until: ctx.now.toISOString() };
}

/** The calendar `unit` containing today shifted by `delta` units (weeks start on Monday). */
export function period(today: Wall, delta: number, unit: Unit, timeZone: string): ResolvedRange {
  const { year, month, day } = today;
  if (unit === 'day')
    return wallRange(
      startOfDay(year, month, day + delta),
      startOfDay(year, month, day + delta + 1),
      timeZone,
    );
  if (unit === 'week') {
    const monday = day - weekdayMonday0(year, month, day) + 7 * delta;
    return wallRange(startOfDay(year, month, monday), startOfDay(year, month, monday + 7), timeZone);
  }
  if (unit === 'month')
    return wallRange(startOfDay(year, month + delta, 1), startOfDay(year, month + delta + 1, 1), timeZone);
  return yearRange(year + delta, timeZone);
}

export function weekend(today: Wall, deltaWeeks: number, timeZone: string): ResolvedRange {
  const { year, month, day } = today;
  const saturday = day - weekdayMonday0(year, month, day) + 5 + 7 * deltaWeeks;
  return wallRange(startOfDay(year, month, saturday), startOfDay(year, month, saturday + 2), timeZone);
}

export function yearRange(year: number, timeZone: string): ResolvedRange {
  return wallRange(startOfDay(year, 1, 1), startOfDay(year + 1, 1, 1), timeZone);
}

/** [start, end) in wall-clock time → inclusive UTC bounds. */
export function wallRange(start: Wall, endExclusive: Wall, timeZone: string): ResolvedRange {
  return {
    since: utcOf(start, timeZone).toISOString(),
    until: new Date(utcOf(endExclusive, timeZone).getTime() - 1).toISOString(),
  };
}
