/**
 * Time expressions → absolute UTC ranges. chrono-node finds the expressions; we resolve
 * them on the user's wall clock (see text/time-zone.ts) and widen each to its granularity ("next
 * week" is Monday–Sunday of that week, "in March" the whole month, "next Friday" that
 * day), so both stored events and recall queries get a [start, end) range in UTC.
 * Text in another language is parsed with chrono's locale for it (every supported language
 * has one in chrono-node 2.10); English text, and text with no language, as before.
 */
import * as de from 'chrono-node/de';
import * as chrono from 'chrono-node/en';
import * as es from 'chrono-node/es';
import * as fr from 'chrono-node/fr';
import * as it from 'chrono-node/it';
import * as ja from 'chrono-node/ja';
import * as nl from 'chrono-node/nl';
import * as pt from 'chrono-node/pt';
import * as ru from 'chrono-node/ru';
import * as zh from 'chrono-node/zh';
import type { Language } from './languages.ts';
import { periodMatchers, withLocaleRules } from './time-locale-rules.ts';
import { NUMBER_WORDS } from './time-periods.ts';
import { fromWallClock, toWallClock } from './time-zone.ts';

export type Granularity = 'time' | 'day' | 'week' | 'month' | 'year';

export interface TimeExpression {
  /** The text as written, e.g. "next Friday". */
  text: string;
  index: number;
  /** UTC ISO instant of the start (the exact time when known, else the local period start). */
  start: string;
  /** UTC ISO exclusive end of the period. */
  end: string;
  granularity: Granularity;
  /** Local calendar label: 2026-12-04, 2026-W49 start date, 2026-10, 2026. */
  label: string;
  /** A span that runs up to the reference ("I've had them for 3 years"): start is when it began. */
  since?: true;
}

const DAY = 86_400_000;
const RELATIVE_PERIOD =
  /\b(next|last|this|coming|past|previous|upcoming)\s+(week|weekend|month|year)\b(?!\s+(?:of|in|before|after)\s)/gi;

function wallRange(wallStart: Date, g: Granularity): [Date, Date] {
  const y = wallStart.getUTCFullYear();
  const m = wallStart.getUTCMonth();
  const d = wallStart.getUTCDate();
  switch (g) {
    case 'year':
      return [new Date(Date.UTC(y, 0, 1)), new Date(Date.UTC(y + 1, 0, 1))];
    case 'month':
      return [new Date(Date.UTC(y, m, 1)), new Date(Date.UTC(y, m + 1, 1))];
    case 'week': {
      const dow = (wallStart.getUTCDay() + 6) % 7; // Monday = 0
      const s = new Date(Date.UTC(y, m, d - dow));
      return [s, new Date(s.getTime() + 7 * DAY)];
    }
    case 'day':
      return [new Date(Date.UTC(y, m, d)), new Date(Date.UTC(y, m, d + 1))];
    default:
      return [wallStart, new Date(wallStart.getTime() + 3_600_000)];
  }
}

function labelOf(wall: Date, g: Granularity): string {
  const iso = wall.toISOString();
  if (g === 'year') return iso.slice(0, 4);
  if (g === 'month') return iso.slice(0, 7);
  if (g === 'time') return iso.slice(0, 16).replace('T', ' ');
  return iso.slice(0, 10);
}

function build(text: string, index: number, wall: Date, g: Granularity, zone: string): TimeExpression {
  const [ws, we] = wallRange(wall, g);
  const start = g === 'time' ? wall : ws;
  return {
    text,
    index,
    start: fromWallClock(start, zone).toISOString(),
    end: fromWallClock(we, zone).toISOString(),
    granularity: g,
    label: labelOf(g === 'week' ? ws : wall, g),
  };
}

function relativePeriod(kind: string, unit: string, nowWall: Date): { wall: Date; g: Granularity } {
  const dir = /next|coming|upcoming/i.test(kind) ? 1 : /last|past|previous/i.test(kind) ? -1 : 0;
  const y = nowWall.getUTCFullYear();
  const m = nowWall.getUTCMonth();
  const d = nowWall.getUTCDate();
  if (unit === 'year') return { wall: new Date(Date.UTC(y + dir, 0, 1)), g: 'year' };
  if (unit === 'month') return { wall: new Date(Date.UTC(y, m + dir, 1)), g: 'month' };
  if (unit === 'weekend') {
    const dow = (nowWall.getUTCDay() + 6) % 7;
    const sat = new Date(Date.UTC(y, m, d - dow + 5 + 7 * dir));
    return { wall: sat, g: 'day' };
  }
  return { wall: new Date(Date.UTC(y, m, d + 7 * dir)), g: 'week' };
}

/**
 * A duration in the perfect tense runs up to the moment it is said: "I've had them for 3
 * years", "I've been playing for a month now". Other durations ("for two weeks in May")
 * are not points in time and stay unresolved (chrono would read them as a future date).
 */
const SPAN_SINCE =
  /\b(?:'ve|’ve|have|has|had)\s+(?:been\s+)?(?:[\p{L}'’-]+\s+){0,6}?for\s+(?:about\s+|almost\s+|nearly\s+|over\s+|around\s+)?(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)\s+(day|week|month|year)s?\b/giu;
const DURATION =
  /\b(?:for|after|within)\s+(?:about\s+|almost\s+|nearly\s+|over\s+|around\s+)?(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)\s+(?:day|week|month|year)s?\b/giu;

function spanStart(nowWall: Date, count: number, unit: string): { wall: Date; g: Granularity } {
  const y = nowWall.getUTCFullYear();
  const m = nowWall.getUTCMonth();
  const d = nowWall.getUTCDate();
  if (unit === 'year') return { wall: new Date(Date.UTC(y - count, m, d)), g: 'year' };
  if (unit === 'month') return { wall: new Date(Date.UTC(y, m - count, d)), g: 'month' };
  if (unit === 'week') return { wall: new Date(Date.UTC(y, m, d - 7 * count)), g: 'week' };
  return { wall: new Date(Date.UTC(y, m, d - count)), g: 'day' };
}

/** chrono's parser per language: English for English and for text without a language. */
const PARSERS: Record<Language, Pick<typeof chrono, 'parse'>> = {
  en: chrono,
  de: withLocaleRules(de.casual, 'de'),
  fr: withLocaleRules(fr.casual, 'fr'),
  es: withLocaleRules(es.casual, 'es'),
  it: withLocaleRules(it.casual, 'it'),
  pt: withLocaleRules(pt.casual, 'pt'),
  nl: withLocaleRules(nl.casual, 'nl'),
  ru: withLocaleRules(ru.casual, 'ru'),
  ja: withLocaleRules(ja.casual, 'ja'),
  zh: withLocaleRules(zh.casual, 'zh'),
};

/** Relative periods of each language other than English (English: RELATIVE_PERIOD). */
const PERIODS: Record<Language, ReturnType<typeof periodMatchers>> = {
  en: [],
  de: periodMatchers('de'),
  fr: periodMatchers('fr'),
  es: periodMatchers('es'),
  it: periodMatchers('it'),
  pt: periodMatchers('pt'),
  nl: periodMatchers('nl'),
  ru: periodMatchers('ru'),
  ja: periodMatchers('ja'),
  zh: periodMatchers('zh'),
};

/** All time expressions in `text` (in `language`, default English), resolved relative to `reference` in `zone`. */
export function findTimeExpressions(
  text: string,
  reference: Date,
  zone: string,
  language: Language = 'en',
): TimeExpression[] {
  const nowWall = toWallClock(reference, zone);
  const out: TimeExpression[] = [];
  const taken: Array<[number, number]> = [];
  const period = (match: RegExpExecArray, kind: string, unit: string) => {
    const { wall, g } = relativePeriod(kind, unit, nowWall);
    const expr = build(match[0], match.index, wall, g, zone);
    if (unit === 'weekend') expr.end = fromWallClock(new Date(wall.getTime() + 2 * DAY), zone).toISOString();
    out.push(expr);
    taken.push([match.index, match.index + match[0].length]);
  };
  for (const match of text.matchAll(RELATIVE_PERIOD)) {
    period(match, match[1] ?? 'this', (match[2] ?? 'week').toLowerCase());
  }
  for (const matcher of PERIODS[language]) {
    for (const match of text.matchAll(matcher.pattern)) {
      const p = matcher.read(match);
      if (p && !taken.some(([a, b]) => match.index < b && match.index + match[0].length > a))
        period(match, p.dir > 0 ? 'next' : p.dir < 0 ? 'last' : 'this', p.unit);
    }
  }
  for (const match of text.matchAll(SPAN_SINCE)) {
    const count = Number(match[1]) || NUMBER_WORDS[(match[1] ?? '').toLowerCase()] || 1;
    const span = /for\s.*$/iu.exec(match[0])?.[0] ?? match[0];
    const index = match.index + match[0].length - span.length;
    const { wall, g } = spanStart(nowWall, count, (match[2] ?? 'day').toLowerCase());
    const expr = build(span, index, wall, g, zone);
    expr.end = reference.toISOString();
    expr.since = true;
    out.push(expr);
    taken.push([index, index + span.length]);
  }
  // Other durations are not dates: keep chrono from reading "for 4 years" as a year ahead.
  for (const match of text.matchAll(DURATION)) taken.push([match.index, match.index + match[0].length]);
  if (language === 'en') markEnglishSpans(text, nowWall, reference, zone, out, taken);
  const parsed = language === 'en' ? abbreviationsForChrono(text) : text;
  const results = PARSERS[language].parse(parsed, { instant: nowWall, timezone: 0 }, { forwardDate: false });
  for (const r of results) {
    const s = r.index;
    // An abbreviation chrono read shortened ("Tues" as "Tue") keeps its whole word.
    let written = r.text;
    while (
      parsed !== text &&
      /\p{L}/u.test(text[s + written.length] ?? '') &&
      parsed[s + written.length] === ' '
    )
      written = text.slice(s, s + written.length + 1);
    const e = r.index + written.length;
    if (taken.some(([a, b]) => s < b && e > a)) continue;
    // "now" is the moment of speaking, not an event or a window.
    if (/^(?:right\s+)?now$/i.test(r.text.trim())) continue;
    const c = r.start;
    const wall = new Date(
      Date.UTC(
        c.get('year') ?? nowWall.getUTCFullYear(),
        (c.get('month') ?? 1) - 1,
        c.get('day') ?? 1,
        c.get('hour') ?? 0,
        c.get('minute') ?? 0,
      ),
    );
    const g: Granularity = c.isCertain('hour')
      ? 'time'
      : c.isCertain('day') || c.isCertain('weekday')
        ? 'day'
        : c.isCertain('month')
          ? 'month'
          : c.isCertain('year')
            ? 'year'
            : 'day';
    const expr = build(written, r.index, wall, g, zone);
    if (r.end) {
      const ec = r.end;
      const endWall = new Date(
        Date.UTC(
          ec.get('year') ?? wall.getUTCFullYear(),
          (ec.get('month') ?? 1) - 1,
          (ec.get('day') ?? 1) + (ec.isCertain('hour') ? 0 : 1),
          ec.isCertain('hour') ? (ec.get('hour') ?? 0) : 0,
          ec.isCertain('hour') ? (ec.get('minute') ?? 0) : 0,
        ),
      );
      expr.end = fromWallClock(endWall, zone).toISOString();
    }
    out.push(expr);
  }
  out.sort((a, b) => a.index - b.index);
  return language === 'en' ? refineEnglish(text, out, zone) : out;
}

const MONTHS = 'January February March April May June July August September October November December'.split(
  ' ',
);
const WEEKDAYS = 'Sunday Monday Tuesday Wednesday Thursday Friday Saturday'.split(' ');

/**
 * A resolved expression as a reader wants it: "Friday 14 July 2023", "June 2023",
 * "week of 3 July 2023", "2022", "Friday 14 July 2023 18:30" (local calendar, from the label).
 */
export function describeDate(expr: Pick<TimeExpression, 'label' | 'granularity' | 'since'>): string {
  if (expr.since) return `since ${describeDate({ label: expr.label, granularity: expr.granularity })}`;
  const [y, m, d] = expr.label.slice(0, 10).split('-').map(Number) as [number, number?, number?];
  const month = m ? MONTHS[m - 1] : undefined;
  if (expr.granularity === 'year' || !month) return String(y);
  if (expr.granularity === 'month' || !d) return `${month} ${y}`;
  const day = `${d} ${month} ${y}`;
  if (expr.granularity === 'week') return `week of ${day}`;
  const weekday = WEEKDAYS[new Date(Date.UTC(y, (m ?? 1) - 1, d)).getUTCDay()];
  if (expr.granularity === 'time') return `${weekday} ${day} ${expr.label.slice(11, 16)}`;
  return `${weekday} ${day}`;
}

/** Removes the expressions from the text (what remains is searched by content). */
export function stripExpressions(text: string, expressions: TimeExpression[]): string {
  let out = text;
  for (const e of [...expressions].sort((a, b) => b.index - a.index)) {
    out = `${out.slice(0, e.index)} ${out.slice(e.index + e.text.length)}`;
  }
  return out
    .replace(/\b(in|on|at|during|from)\s+(?=[?.!,]|$)/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

// ---------------------------------------------------------------------------------------
// English refinements around chrono: spans it misses or reads as one day.

/** Weekday abbreviations chrono does not know, as ones it does, padded to the same length. */
const ABBREVIATIONS: Array<[RegExp, string]> = [
  [/\bTues\b/gi, 'Tue '],
  [/\bWeds\b/gi, 'Wed '],
];

function abbreviationsForChrono(text: string): string {
  let out = text;
  for (const [re, to] of ABBREVIATIONS)
    out = out.replace(re, (m) => (m[0] === m[0]?.toUpperCase() ? to : to.toLowerCase()));
  return out;
}

const COUNT = '(\\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty)';
/** A duration that runs up to now without a perfect tense: "Seven years now, and…". */
const NOW_SPAN = new RegExp(`\\b${COUNT}\\s+(day|week|month|year)s?\\s+now\\b`, 'giu');
/** "the first weekend of", "the last week in": chrono reads the weekend as this one. */
const ORDINAL_PERIOD =
  /\b(?:the\s+)?(first|second|third|fourth|last)\s+(weekend|week)\s+(?:of|in)\s+(?=\S)/giu;

function markEnglishSpans(
  text: string,
  nowWall: Date,
  reference: Date,
  zone: string,
  out: TimeExpression[],
  taken: Array<[number, number]>,
): void {
  for (const match of text.matchAll(NOW_SPAN)) {
    if (taken.some(([a, b]) => match.index < b && match.index + match[0].length > a)) continue;
    const count = Number(match[1]) || NUMBER_WORDS[(match[1] ?? '').toLowerCase()] || 1;
    const { wall, g } = spanStart(nowWall, count, (match[2] ?? 'day').toLowerCase());
    const expr = build(match[0], match.index, wall, g, zone);
    expr.end = reference.toISOString();
    expr.since = true;
    out.push(expr);
    taken.push([match.index, match.index + match[0].length]);
  }
  for (const match of text.matchAll(ORDINAL_PERIOD)) taken.push([match.index, match.index + match[0].length]);
}

const ORDINALS: Record<string, number> = { first: 0, second: 1, third: 2, fourth: 3 };

/** [start, end) of a local wall-clock range, as an expression of granularity `g`. */
function ranged(
  text: string,
  index: number,
  startWall: Date,
  endWall: Date,
  g: Granularity,
  zone: string,
): TimeExpression {
  return {
    text,
    index,
    start: fromWallClock(startWall, zone).toISOString(),
    end: fromWallClock(endWall, zone).toISOString(),
    granularity: g,
    label: labelOf(startWall, g === 'week' ? 'day' : g),
  };
}

/** The Saturday of the weekend before (dir -1) or after (+1) the local day `wall`. */
function weekendNear(wall: Date, dir: 1 | -1): Date {
  const dow = wall.getUTCDay(); // Sunday = 0
  const y = wall.getUTCFullYear();
  const m = wall.getUTCMonth();
  const d = wall.getUTCDate();
  if (dir === 1) return new Date(Date.UTC(y, m, d + (dow === 6 ? 7 : 6 - dow)));
  return new Date(Date.UTC(y, m, d - (dow === 0 ? 8 : dow + 1)));
}

/**
 * Spans around a date: "between 11 and 15 August" and "from X to Y" as one range; "the week
 * before 16 November" as the seven days up to it (chrono reads one day a week earlier); "the
 * weekend after 3 June" as that Saturday and Sunday; "the first weekend of August 2023".
 */
function refineEnglish(text: string, found: TimeExpression[], zone: string): TimeExpression[] {
  const out: TimeExpression[] = [];
  for (let i = 0; i < found.length; i++) {
    const e = found[i] as TimeExpression;
    const next = found[i + 1];
    const startWall = toWallClock(new Date(e.start), zone);
    // between X and Y / from X to Y
    if (next && !e.since && !next.since) {
      const gap = text.slice(e.index + e.text.length, next.index);
      const before = text.slice(Math.max(0, e.index - 9), e.index);
      if (/^\s*(?:and|to|until|till|through|-|–)\s*$/i.test(gap) && /\b(?:between|from)\s+$/i.test(before)) {
        let endWall = toWallClock(new Date(next.end), zone);
        // "between August 11 and August 15 2023": the first date takes the year of the second.
        if (endWall.getTime() - startWall.getTime() > 366 * DAY || endWall < startWall) {
          const y = endWall.getUTCFullYear();
          startWall.setUTCFullYear(endWall < startWall ? y : startWall.getUTCFullYear());
          if (endWall < startWall) startWall.setUTCFullYear(y - 1);
        }
        endWall = toWallClock(new Date(next.end), zone);
        const g: Granularity = e.granularity === 'time' ? 'day' : e.granularity;
        out.push(
          ranged(text.slice(e.index, next.index + next.text.length), e.index, startWall, endWall, g, zone),
        );
        i += 1;
        continue;
      }
    }
    // "the week before 16 November": chrono reads one day; "the weekend after 3 June" and
    // "the week of April 3rd": chrono reads the weekend as this one and the date alone.
    const whole = PERIOD_AROUND.exec(e.text);
    const lead = e.granularity === 'day' && !whole ? leadingPeriod(text, e.index) : null;
    const around = whole ?? lead;
    if (around && e.granularity !== 'time') {
      const unit = (around[1] ?? '').toLowerCase();
      const how = (around[2] ?? '').toLowerCase();
      const anchor = whole ? anchorDay(e.text.slice(whole[0].length), startWall) : startWall;
      const index = lead ? lead.index : e.index;
      const span = text.slice(index, e.index + e.text.length);
      while (
        out.length &&
        (out.at(-1) as TimeExpression).index + (out.at(-1) as TimeExpression).text.length > index
      )
        out.pop();
      if (unit === 'week') {
        const s =
          how === 'after'
            ? new Date(anchor.getTime() + DAY)
            : how === 'before'
              ? new Date(anchor.getTime() - 7 * DAY)
              : weekStart(anchor);
        out.push(ranged(span, index, s, new Date(s.getTime() + 7 * DAY), 'week', zone));
      } else {
        const sat =
          how === 'of'
            ? weekendNear(new Date(anchor.getTime() - DAY), 1)
            : weekendNear(anchor, how === 'after' ? 1 : -1);
        out.push(ranged(span, index, sat, new Date(sat.getTime() + 2 * DAY), 'day', zone));
      }
      continue;
    }
    if (e.granularity === 'month') {
      const lead = [...text.matchAll(ORDINAL_PERIOD)].find((m) => m.index + m[0].length === e.index);
      if (lead) {
        const which = (lead[1] ?? '').toLowerCase();
        const unit = (lead[2] ?? '').toLowerCase();
        const y = startWall.getUTCFullYear();
        const m = startWall.getUTCMonth();
        const first = new Date(Date.UTC(y, m, 1));
        const nextMonth = new Date(Date.UTC(y, m + 1, 1));
        let s: Date;
        if (unit === 'weekend') {
          const firstSat = weekendNear(new Date(first.getTime() - DAY), 1);
          s =
            which === 'last'
              ? weekendNear(nextMonth, -1)
              : new Date(firstSat.getTime() + 7 * (ORDINALS[which] ?? 0) * DAY);
        } else {
          s =
            which === 'last'
              ? new Date(nextMonth.getTime() - 7 * DAY)
              : new Date(first.getTime() + 7 * (ORDINALS[which] ?? 0) * DAY);
        }
        const len = unit === 'weekend' ? 2 : 7;
        out.push(
          ranged(
            text.slice(lead.index, e.index + e.text.length),
            lead.index,
            s,
            new Date(s.getTime() + len * DAY),
            unit === 'weekend' ? 'day' : 'week',
            zone,
          ),
        );
        continue;
      }
    }
    out.push(e);
  }
  return out;
}

const PERIOD_AROUND = /^(?:the\s+)?(week|weekend)\s+(before|after|of)\s+/i;
const PERIOD_BEFORE = /\b(?:the\s+)?(week|weekend)\s+(before|after|of)\s+$/i;

/** "the weekend after " right before `index`, with its own index in `text`. */
function leadingPeriod(text: string, index: number): (RegExpExecArray & { index: number }) | null {
  const head = text.slice(Math.max(0, index - 24), index);
  const m = PERIOD_BEFORE.exec(head);
  if (!m) return null;
  m.index += Math.max(0, index - 24);
  return m as RegExpExecArray & { index: number };
}

/** The local day chrono reads in `text` (the anchor of "the week before <text>"), else `fallback`. */
function anchorDay(text: string, fallback: Date): Date {
  const r = chrono.parse(text, { instant: fallback, timezone: 0 }, { forwardDate: false })[0];
  if (!r) return fallback;
  const c = r.start;
  return new Date(
    Date.UTC(c.get('year') ?? fallback.getUTCFullYear(), (c.get('month') ?? 1) - 1, c.get('day') ?? 1),
  );
}

function weekStart(wall: Date): Date {
  const dow = (wall.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() - dow));
}
