/**
 * Resolves since/until given as ISO dates or natural language ("last week", "in March")
 * into UTC ISO bounds. (Stub until the engine work lands.)
 */
export interface TimeRangeInput {
  since?: string | undefined;
  until?: string | undefined;
  timeZone?: string | undefined;
  now: Date;
}

export interface TimeRange {
  since?: string;
  until?: string;
}

export function resolveTimeRange(input: TimeRangeInput): TimeRange {
  const range: TimeRange = {};
  if (input.since) range.since = new Date(input.since).toISOString();
  if (input.until) range.until = new Date(input.until).toISOString();
  return range;
}
