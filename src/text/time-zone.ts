/**
 * Wall-clock arithmetic in IANA time zones without a date library: convert an instant to
 * the wall-clock fields a user in that zone sees, and a wall-clock time back to the UTC
 * instant (DST-aware, by correcting the offset once more at the result). Relative time
 * words ("yesterday", "last week") mean calendar days in the user's zone, not in UTC or
 * the server's zone, which is the timezone bug the seed project had. The one home of zone
 * arithmetic: search's time filters use the Wall fields, the temporal layer and the context
 * block the Date forms (a Date whose UTC fields are the wall clock).
 */
import { ValidationError } from '../errors.ts';

export interface Wall {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws ValidationError for a zone the runtime does not know; returns the zone. */
export function assertTimeZone(timeZone: string, field = 'timeZone'): string {
  formatterFor(timeZone, field);
  return timeZone;
}

function formatterFor(timeZone: string, field = 'timeZone'): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached) return cached;
  try {
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
    return formatter;
  } catch {
    throw new ValidationError(
      `Unknown time zone "${timeZone}" in ${field}: use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC".`,
      { details: { field, value: timeZone } },
    );
  }
}

export function wallOf(instant: Date, timeZone: string): Wall {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: (parts.hour ?? 0) % 24,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
    millisecond: instant.getUTCMilliseconds(),
  };
}

/** The wall clock read as if it were UTC (for offset arithmetic). */
export function wallAsUtcMs(wall: Wall): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
}

/** Offset of the zone from UTC at an instant, in minutes (New York in summer: -240). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const ms = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((wallAsUtcMs({ ...wallOf(new Date(ms), timeZone), millisecond: 0 }) - ms) / 60_000);
}

/** The UTC instant at which the zone's clock shows `wall` (normalizes overflowing fields). */
export function utcOf(wall: Wall, timeZone: string): Date {
  return fromWallClock(new Date(wallAsUtcMs(wall)), timeZone);
}

/** Wall-clock fields in the zone at `instant`, packed into a Date whose UTC fields are them. */
export function toWallClock(instant: Date, timeZone: string): Date {
  return new Date(wallAsUtcMs(wallOf(instant, timeZone)));
}

/** Inverse of toWallClock: a wall-clock Date (UTC fields) in the zone → the UTC instant. */
export function fromWallClock(wall: Date, timeZone: string): Date {
  // Two passes settle DST edges: guess with the offset at the wall time, then correct.
  const guess = wall.getTime();
  const first = guess - offsetMinutes(new Date(guess), timeZone) * 60_000;
  const second = guess - offsetMinutes(new Date(first), timeZone) * 60_000;
  return new Date(second);
}

/** Local calendar date (YYYY-MM-DD) of an instant in the zone. */
export function localDate(instant: Date, timeZone: string): string {
  return toWallClock(instant, timeZone).toISOString().slice(0, 10);
}

export function startOfDay(year: number, month: number, day: number): Wall {
  return { year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 };
}

/** Day of week of a calendar date, Monday = 0 .. Sunday = 6. */
export function weekdayMonday0(year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}
