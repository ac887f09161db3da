/**
 * Resolves since/until given as ISO dates or natural language ("last week", "yesterday",
 * "in March", "2 days ago") into inclusive UTC ISO bounds, computed on the calendar of the
 * caller's IANA time zone. Also finds a time expression inside a recall query ("what did I
 * say last week?") so the temporal layer can filter by the range and search with the rest.
 * Calendar words name whole periods (last week = Monday..Sunday of the previous week);
 * "past N days" and "past week" are rolling windows ending now. chrono-node parses the
 * long tail (weekdays, month names, explicit dates); the period rules here come first.
 */
import type { ParsedComponents } from 'chrono-node';
import * as chrono from 'chrono-node/en';
import { ValidationError } from '../errors.ts';
import {
  NUMBER_WORDS,
  period,
  type ResolvedRange,
  rolling,
  type Unit,
  wallRange,
  weekend,
  yearRange,
} from './time-periods.ts';
import { assertTimeZone, offsetMinutes, startOfDay, utcOf, wallOf } from './time-zone.ts';

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

export type { ResolvedRange };

export interface TimeExpressionMatch extends ResolvedRange {
  /** The words that named the time, as found in the text. */
  expression: string;
  index: number;
  /** The input without the expression (and a preposition before it), tidied. */
  text: string;
}

export interface TimeContext {
  now: Date;
  timeZone?: string | undefined;
}

const COUNT = '(\\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|couple(?: of)?|few)';
const UNIT = '(day|week|month|year)s?';
const EXAMPLES =
  'an ISO date such as 2024-05-01 (or 2024-05-01T12:00:00Z) or words such as "yesterday", "last week", "in March", "3 days ago"';
const FILLER = /\b(since|until|till|from|before|after|the|in|on|at|during|of|to|by)\b/g;

/** since/until (ISO or natural language) → UTC ISO bounds; ValidationError on bad input. */
export function resolveTimeRange(input: TimeRangeInput): TimeRange {
  const timeZone = assertTimeZone(input.timeZone ?? 'UTC');
  const context = { now: input.now, timeZone };
  const range: TimeRange = {};
  if (input.since !== undefined && input.since.trim() !== '') {
    range.since = resolveBound(input.since, 'since', context).since;
  }
  if (input.until !== undefined && input.until.trim() !== '') {
    range.until = resolveBound(input.until, 'until', context).until;
  }
  if (range.since && range.until && range.since > range.until) {
    throw new ValidationError(
      `since (${range.since}) is after until (${range.until}); swap them or widen the range.`,
      { details: { field: 'since', since: range.since, until: range.until } },
    );
  }
  return range;
}

function resolveBound(value: string, field: 'since' | 'until', context: Ctx): ResolvedRange {
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const iso = resolveIso(text, context.timeZone);
    if (iso) return iso;
  } else {
    const match = findTimeExpression(text, context);
    // A since/until value must be only a time expression (plus filler words), not a sentence.
    if (match && leftover(match.text) === '') return match;
  }
  throw new ValidationError(`${field} "${value}" is not a date. Use ${EXAMPLES}.`, {
    details: { field, value },
  });
}

function leftover(text: string): string {
  return text
    .toLowerCase()
    .replace(FILLER, '')
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

function resolveIso(text: string, timeZone: string): ResolvedRange | null {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (dateOnly) {
    const [y, m, d] = [Number(dateOnly[1]), Number(dateOnly[2]), Number(dateOnly[3])];
    if (m < 1 || m > 12 || d < 1 || d > 31) return null;
    return wallRange(startOfDay(y, m, d), { ...startOfDay(y, m, d + 1) }, timeZone);
  }
  if (Number.isNaN(Date.parse(text))) return null;
  // No offset: the wall clock of the caller's zone, not of the server.
  const local = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(text);
  const instant = local
    ? utcOf(
        {
          year: Number(local[1]),
          month: Number(local[2]),
          day: Number(local[3]),
          hour: Number(local[4]),
          minute: Number(local[5]),
          second: Number(local[6] ?? 0),
          millisecond: Number((local[7] ?? '0').padEnd(3, '0')),
        },
        timeZone,
      )
    : new Date(text);
  const iso = instant.toISOString();
  return { since: iso, until: iso };
}

/**
 * Finds the first time expression in free text ("what did I say last week?") and returns
 * its range plus the text without it; null when the text names no time.
 */
export function findTimeExpression(text: string, context: TimeContext): TimeExpressionMatch | null {
  const timeZone = assertTimeZone(context.timeZone ?? 'UTC');
  const ctx = { now: context.now, timeZone };
  const candidates = [...periodMatches(text, ctx), ...chronoMatches(text, ctx)];
  if (candidates.length === 0) return null;
  // Earliest wins; at the same position the longer expression wins ("3 days ago" over "3").
  candidates.sort((a, b) => a.index - b.index || b.expression.length - a.expression.length);
  const best = candidates[0]!;
  return { ...best, text: removeExpression(text, best.index, best.expression.length) };
}

/** Parses text that should be just a time expression; null when it is not. */
export function parseTimeExpression(text: string, context: TimeContext): ResolvedRange | null {
  const match = findTimeExpression(text, context);
  return match && leftover(match.text) === '' ? { since: match.since, until: match.until } : null;
}

type Candidate = Omit<TimeExpressionMatch, 'text'>;
type Ctx = { now: Date; timeZone: string };

function periodMatches(text: string, ctx: Ctx): Candidate[] {
  const out: Candidate[] = [];
  const today = wallOf(ctx.now, ctx.timeZone);
  const rules: Array<[RegExp, (m: RegExpExecArray) => ResolvedRange | null]> = [
    // "last 3 days", "past two weeks": rolling window ending now.
    [
      new RegExp(`\\b(?:the\\s+)?(?:last|past|previous)\\s+${COUNT}\\s+${UNIT}\\b`, 'gi'),
      (m) => rolling(today, -count(m[1]), m[2] as Unit, ctx),
    ],
    // "past week", "past month": rolling one unit.
    [new RegExp(`\\b(?:the\\s+)?past\\s+${UNIT}\\b`, 'gi'), (m) => rolling(today, -1, m[1] as Unit, ctx)],
    // "last week", "previous month", "this year": calendar periods.
    [
      new RegExp(`\\b(last|previous|this|current)\\s+${UNIT}\\b`, 'gi'),
      (m) => period(today, /^(this|current)$/i.test(m[1]!) ? 0 : -1, m[2] as Unit, ctx.timeZone),
    ],
    // "3 days ago", "a week ago": the calendar period that far back.
    [
      new RegExp(`\\b${COUNT}\\s+${UNIT}\\s+ago\\b`, 'gi'),
      (m) => period(today, -count(m[1]), m[2] as Unit, ctx.timeZone),
    ],
    // "in 2019", "during 2021": a whole year.
    [/\b(?:in|during)\s+((?:19|20)\d{2})\b/gi, (m) => yearRange(Number(m[1]), ctx.timeZone)],
    // "last weekend", "this weekend": Saturday and Sunday.
    [
      /\b(last|previous|this)\s+weekend\b/gi,
      (m) => weekend(today, /^this$/i.test(m[1]!) ? 0 : -1, ctx.timeZone),
    ],
    // "this morning", "tonight": today, as a whole day (parts of a day are too vague to cut).
    [/\b(?:this\s+(?:morning|afternoon|evening)|tonight)\b/gi, () => period(today, 0, 'day', ctx.timeZone)],
    // "between May 1 and May 3": from the start of one to the end of the other.
    [/\bbetween\s+(.+?)\s+and\s+(.+?)(?=[?.!,;]|$)/gi, (m) => between(m[1]!, m[2]!, ctx)],
  ];
  for (const [pattern, build] of rules) {
    for (const m of text.matchAll(pattern)) {
      const range = build(m as RegExpExecArray);
      if (range) out.push({ ...range, expression: m[0], index: m.index ?? 0 });
    }
  }
  return out;
}

function chronoMatches(text: string, ctx: Ctx): Candidate[] {
  const reference = { instant: ctx.now, timezone: offsetMinutes(ctx.now, ctx.timeZone) };
  const out: Candidate[] = [];
  for (const result of chrono.casual.parse(text, reference, { forwardDate: false })) {
    if (/^(now|right now|\d+)$/i.test(result.text.trim())) continue;
    const start = componentRange(result.start, ctx);
    if (!start) continue;
    const end = result.end ? componentRange(result.end, ctx) : null;
    out.push({
      since: start.since,
      until: end ? end.until : start.until,
      expression: result.text,
      index: result.index,
    });
  }
  return out;
}

function componentRange(c: ParsedComponents, ctx: Ctx): ResolvedRange | null {
  const year = c.get('year');
  const month = c.get('month');
  const day = c.get('day');
  if (year === null || month === null || day === null) return null;
  if (c.isCertain('hour')) {
    const hour = c.get('hour') ?? 0;
    const minute = c.isCertain('minute') ? (c.get('minute') ?? 0) : 0;
    const wall = { ...startOfDay(year, month, day), hour, minute };
    return c.isCertain('minute')
      ? { since: utcOf(wall, ctx.timeZone).toISOString(), until: utcOf(wall, ctx.timeZone).toISOString() }
      : wallRange(wall, { ...wall, hour: hour + 1 }, ctx.timeZone);
  }
  if (c.isCertain('day') || c.isCertain('weekday')) {
    return wallRange(startOfDay(year, month, day), startOfDay(year, month, day + 1), ctx.timeZone);
  }
  if (c.isCertain('month')) {
    let y = year;
    // "in December" asked in June means the December that has happened.
    if (!c.isCertain('year') && utcOf(startOfDay(y, month, 1), ctx.timeZone) > ctx.now) y -= 1;
    return wallRange(startOfDay(y, month, 1), startOfDay(y, month + 1, 1), ctx.timeZone);
  }
  if (c.isCertain('year')) return yearRange(year, ctx.timeZone);
  return null;
}

function count(word: string | undefined): number {
  const w = (word ?? '1').toLowerCase().replace(/\s+of$/, '');
  return NUMBER_WORDS[w] ?? Number(w);
}

function between(from: string, to: string, ctx: Ctx): ResolvedRange | null {
  const start = parseTimeExpression(from, ctx);
  const end = parseTimeExpression(to, ctx);
  return start && end && start.since <= end.until ? { since: start.since, until: end.until } : null;
}

function removeExpression(text: string, index: number, length: number): string {
  const before = text.slice(0, index).replace(/\b(in|on|during|from|since|over|within|at|of)\s*$/i, '');
  const after = text.slice(index + length);
  return `${before} ${after}`
    .replace(/\s+([?.!,;:])/g, '$1')
    .replace(/\s{2,}/g, ' ')
    .trim();
}
