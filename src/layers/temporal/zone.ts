/**
 * IANA time-zone arithmetic without a tz library: validation, the offset of a zone at an
 * instant, and conversion between UTC instants and the user's wall-clock time. Relative
 * expressions ("next Friday") are resolved on wall-clock time in the user's zone, then
 * converted back to UTC, so a Berlin user's "tomorrow" is Berlin's tomorrow.
 */
import { ValidationError } from '../../errors.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Throws ValidationError for a zone name Intl does not know. */
export function assertTimeZone(zone: string): string {
  try {
    formatter(zone);
    return zone;
  } catch {
    throw new ValidationError(
      `Unknown time zone "${zone}": use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC".`,
      { details: { timeZone: zone } },
    );
  }
}

/** Wall-clock fields in `zone` at `instant`, packed into a Date whose UTC fields are them. */
export function toWallClock(instant: Date, zone: string): Date {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return new Date(
    Date.UTC(
      parts.year ?? 1970,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
      instant.getUTCMilliseconds(),
    ),
  );
}

/** Offset of `zone` from UTC at `instant`, in minutes (Berlin in winter: +60). */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  return Math.round((toWallClock(instant, zone).getTime() - instant.getTime()) / 60_000);
}

/** Inverse of toWallClock: a wall-clock Date (UTC fields) in `zone` → the UTC instant. */
export function fromWallClock(wall: Date, zone: string): Date {
  // Two passes settle DST edges: guess with the offset at the wall time, then correct.
  let guess = new Date(wall.getTime() - zoneOffsetMinutes(wall, zone) * 60_000);
  guess = new Date(wall.getTime() - zoneOffsetMinutes(guess, zone) * 60_000);
  return guess;
}

/** Local calendar date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(instant: Date, zone: string): string {
  return toWallClock(instant, zone).toISOString().slice(0, 10);
}
