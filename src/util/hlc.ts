/**
 * Hybrid logical clock (Kulkarni et al.): a timestamp that follows the wall clock but never
 * goes backwards and always moves past every timestamp seen from a peer, so "later in HLC
 * order" means "could have seen it". Stamps are strings that sort lexicographically in
 * clock order: the UTC ISO-8601 millisecond instant, then a 6-digit counter that tells apart
 * stamps within one millisecond (2024-05-01T12:00:00.000Z-000003). Pure functions over the
 * last stamp issued; the store persists that stamp beside its change log.
 */

/** Stamps of one millisecond at most (a batch of a million entries in one ms would wrap it). */
const COUNTER_DIGITS = 6;
const MAX_COUNTER = 10 ** COUNTER_DIGITS - 1;
const HLC_PATTERN = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)-(\d{6})$/;

/** A parsed stamp: milliseconds since the epoch and the counter within that millisecond. */
export interface HlcParts {
  wall: number;
  counter: number;
}

export function formatHlc(parts: HlcParts): string {
  return `${new Date(parts.wall).toISOString()}-${String(parts.counter).padStart(COUNTER_DIGITS, '0')}`;
}

/** The parts of a stamp, or null when it is not one. */
export function parseHlc(stamp: string): HlcParts | null {
  const match = HLC_PATTERN.exec(stamp);
  if (!match) return null;
  const wall = Date.parse(match[1]!);
  return Number.isNaN(wall) ? null : { wall, counter: Number(match[2]) };
}

export function isHlc(stamp: string): boolean {
  return parseHlc(stamp) !== null;
}

/** The next stamp to issue locally after `last` (null: none yet) at wall time `nowMs`. */
export function tickHlc(last: string | null, nowMs: number): string {
  const previous = last ? parseHlc(last) : null;
  if (!previous || nowMs > previous.wall) return formatHlc({ wall: nowMs, counter: 0 });
  return bump(previous);
}

/** The local clock after seeing a peer's stamp: past both, so the next local stamp is later than either. */
export function receiveHlc(last: string | null, remote: string): string {
  if (!last) return remote;
  return remote > last ? remote : last;
}

function bump(parts: HlcParts): string {
  return parts.counter >= MAX_COUNTER
    ? formatHlc({ wall: parts.wall + 1, counter: 0 })
    : formatHlc({ wall: parts.wall, counter: parts.counter + 1 });
}
