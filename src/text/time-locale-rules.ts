/**
 * What chrono-node's non-English locales get wrong or miss, added per language: "next /
 * last / this <weekday>" with the words each language uses (Portuguese "na próxima
 * sexta-feira", Japanese "来週の金曜日", German "am kommenden Freitag", Dutch "afgelopen
 * vrijdag"), "in 3 days" where a locale lacks it (Portuguese, Japanese), and relative
 * periods ("nächste Woche", "l'année prochaine", "来月") as whole weeks, months and years, as
 * the English rules in time-expressions.ts read them. The weekday and "in N" rules are chrono
 * parsers added to a clone of the locale's parser, so chrono still merges them with a time
 * ("next Friday at 3pm"); the periods are matched here and resolved like the English ones.
 */
import type { Chrono } from 'chrono-node';
import type { Language } from './languages.ts';

/** this: the weekday on or after today; next: in next week (Monday-based), as chrono's English "next Friday"; last: the latest before today. */
export type WeekdayModifier = 'this' | 'next' | 'last' | 'nextWeek' | 'lastWeek' | 'thisWeek';
export type PeriodUnit = 'week' | 'weekend' | 'month' | 'year';

const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}\\p{N}])';

/** Weekday names, Sunday first; a name may be any of the alternatives (regex source). */
const WEEKDAYS: Partial<Record<Language, string[]>> = {
  de: ['sonntag', 'montag', 'dienstag', 'mittwoch', 'donnerstag', 'freitag', 'samstag|sonnabend'],
  fr: ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'],
  es: ['domingo', 'lunes', 'martes', 'mi[eé]rcoles', 'jueves', 'viernes', 's[aá]bado'],
  it: ['domenica', 'luned[iì]', 'marted[iì]', 'mercoled[iì]', 'gioved[iì]', 'venerd[iì]', 'sabato'],
  pt: [
    'domingo',
    'segunda(?:-feira)?',
    'ter[cç]a(?:-feira)?',
    'quarta(?:-feira)?',
    'quinta(?:-feira)?',
    'sexta(?:-feira)?',
    's[aá]bado',
  ],
  nl: ['zondag', 'maandag', 'dinsdag', 'woensdag', 'donderdag', 'vrijdag', 'zaterdag'],
  ja: ['日曜日?', '月曜日?', '火曜日?', '水曜日?', '木曜日?', '金曜日?', '土曜日?'],
};

/** A weekday phrase: `before` words ahead of the weekday, or `after` words behind it (regex sources). */
interface WeekdayRule {
  modifier: WeekdayModifier;
  before?: string;
  after?: string;
}

const WEEKDAY_RULES: Partial<Record<Language, WeekdayRule[]>> = {
  de: [
    { modifier: 'this', before: '(?:kommende[nmrs]?|diese[nmrs]?)' },
    { modifier: 'last', before: '(?:vergangene[nmrs]?|vorige[nmrs]?)' },
  ],
  fr: [{ modifier: 'last', after: 'pass[ée]' }],
  es: [
    { modifier: 'next', after: 'que viene' },
    { modifier: 'last', after: 'pasado' },
    { modifier: 'this', before: 'este' },
  ],
  it: [
    { modifier: 'last', before: '(?:lo )?scorso' },
    { modifier: 'this', before: 'questo' },
  ],
  pt: [
    { modifier: 'next', before: 'pr[óo]xim[oa]' },
    { modifier: 'next', after: 'que vem' },
    { modifier: 'last', after: 'passad[oa]' },
    { modifier: 'last', before: '[úu]ltim[oa]' },
    { modifier: 'this', before: '(?:est[ea]|nest[ea]|ness[ea])' },
  ],
  nl: [
    { modifier: 'last', before: 'afgelopen' },
    { modifier: 'this', before: '(?:komende|deze)' },
  ],
  ja: [
    { modifier: 'nextWeek', before: '来週の?' },
    { modifier: 'lastWeek', before: '先週の?' },
    { modifier: 'thisWeek', before: '今週の?' },
  ],
};

/** Days from the reference's weekday (0 = Sunday) to `weekday` under `modifier`. */
export function daysToWeekday(refWeekday: number, weekday: number, modifier: WeekdayModifier): number {
  const mon = (d: number) => (d + 6) % 7; // Monday = 0
  const forward = (weekday - refWeekday + 7) % 7;
  switch (modifier) {
    case 'this':
      return forward;
    case 'last':
      return forward === 0 ? -7 : forward - 7;
    case 'next':
    case 'nextWeek':
      return mon(weekday) - mon(refWeekday) + 7;
    case 'lastWeek':
      return mon(weekday) - mon(refWeekday) - 7;
    default:
      return mon(weekday) - mon(refWeekday);
  }
}

export interface WeekdayMatcher {
  pattern: RegExp;
  /** The weekday (0 = Sunday) and modifier of a match of `pattern`. */
  read(match: RegExpExecArray): { weekday: number; modifier: WeekdayModifier };
}

/** One regex per rule with the weekday names as numbered alternatives. */
export function weekdayMatchers(language: Language): WeekdayMatcher[] {
  const names = WEEKDAYS[language];
  if (!names) return [];
  const cjk = language === 'ja';
  const [b, e] = cjk ? ['', ''] : [B, E];
  const days = names.map((n) => `(${n})`).join('|');
  return (WEEKDAY_RULES[language] ?? []).map((rule) => {
    const source = rule.before
      ? `${b}${rule.before}\\s*(?:${days})${e}`
      : `${b}(?:${days})\\s+${rule.after}${e}`;
    return {
      pattern: new RegExp(source, 'iu'),
      read: (match) => ({
        weekday: match.slice(1).findIndex((g) => g !== undefined),
        modifier: rule.modifier,
      }),
    };
  });
}

const NUMBERS: Record<string, number> = {
  um: 1,
  uma: 1,
  dois: 2,
  duas: 2,
  três: 3,
  tres: 3,
  quatro: 4,
  cinco: 5,
  seis: 6,
  sete: 7,
  oito: 8,
  nove: 9,
  dez: 10,
  一: 1,
  二: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};

export type ShiftUnit = 'day' | 'week' | 'month' | 'year';

export interface ShiftMatcher {
  pattern: RegExp;
  /** Signed count and unit of a match ("em 3 dias" → 3 days, "3日前" → -3 days). */
  read(match: RegExpExecArray): { count: number; unit: ShiftUnit } | null;
}

const PT_UNIT: Record<string, ShiftUnit> = {
  dia: 'day',
  semana: 'week',
  mes: 'month',
  mês: 'month',
  ano: 'year',
};
const JA_UNIT: Record<string, ShiftUnit> = {
  日: 'day',
  週間: 'week',
  か月: 'month',
  ヶ月: 'month',
  カ月: 'month',
  年: 'year',
};
const num = (word: string) =>
  /^\d+$/.test(word) ? Number(word) : (NUMBERS[word.toLowerCase()] ?? Number.NaN);

/** "in N days" and "N days ago" where the locale lacks them. */
export function shiftMatchers(language: Language): ShiftMatcher[] {
  if (language === 'pt') {
    const count = `(\\d{1,3}|${Object.keys(NUMBERS)
      .filter((w) => /^\p{Script=Latin}+$/u.test(w))
      .join('|')})`;
    const unit = '(dia|semana|m[eê]s|ano)(?:s|es)?';
    return [
      {
        pattern: new RegExp(`${B}(?:em|daqui a|dentro de)\\s+${count}\\s+${unit}${E}`, 'iu'),
        read: (m) => shift(num(m[1] ?? ''), PT_UNIT[(m[2] ?? '').toLowerCase().replace('mes', 'mês')]),
      },
      {
        pattern: new RegExp(`${B}h[áa]\\s+${count}\\s+${unit}(?:\\s+atr[áa]s)?${E}`, 'iu'),
        read: (m) => shift(-num(m[1] ?? ''), PT_UNIT[(m[2] ?? '').toLowerCase().replace('mes', 'mês')]),
      },
    ];
  }
  if (language === 'ja') {
    return [
      {
        pattern: /(\d{1,3}|[一二三四五六七八九十])(日|週間|か月|ヶ月|カ月|年)(後|前)/u,
        read: (m) => shift((m[3] === '前' ? -1 : 1) * num(m[1] ?? ''), JA_UNIT[m[2] ?? '']),
      },
    ];
  }
  return [];
}

function shift(count: number, unit: ShiftUnit | undefined): { count: number; unit: ShiftUnit } | null {
  return Number.isFinite(count) && unit ? { count, unit } : null;
}

export interface PeriodMatcher {
  pattern: RegExp;
  /** Direction (1 next, -1 last, 0 this) and unit of a match. */
  read(match: RegExpExecArray): { dir: -1 | 0 | 1; unit: PeriodUnit } | null;
}

/** A word → direction table and a unit word → unit table, combined by each language's word orders. */
interface PeriodWords {
  dir: Array<[string, -1 | 0 | 1]>;
  unit: Array<[string, PeriodUnit]>;
  /** Word orders: 'du' = direction then unit ("nächste Woche"), 'ud' = unit then direction ("semaine prochaine"). */
  orders: Array<'du' | 'ud'>;
  /** Separator between the two words (regex source); default whitespace. */
  gap?: string;
}

const PERIODS: Partial<Record<Language, PeriodWords>> = {
  de: {
    dir: [
      ['nächste[nmrs]?|kommende[nmrs]?', 1],
      ['letzte[nmrs]?|vorige[nmrs]?|vergangene[nmrs]?', -1],
      ['diese[nmrs]?', 0],
    ],
    unit: [
      ['wochenende', 'weekend'],
      ['woche', 'week'],
      ['monat', 'month'],
      ['jahr', 'year'],
    ],
    orders: ['du'],
  },
  fr: {
    dir: [
      ['prochaine?', 1],
      ['derni[eè]re?|pass[ée]e?', -1],
      ['cette|cet|ce', 0],
    ],
    unit: [
      ['week-?end', 'weekend'],
      ['semaine', 'week'],
      ['mois', 'month'],
      ['ann[ée]e|an', 'year'],
    ],
    orders: ['ud', 'du'],
  },
  es: {
    dir: [
      ['pr[óo]xim[oa]|que viene', 1],
      ['pasad[oa]', -1],
      ['est[ea]', 0],
    ],
    unit: [
      ['fin de semana', 'weekend'],
      ['semana', 'week'],
      ['mes', 'month'],
      ['a[ñn]o', 'year'],
    ],
    orders: ['du', 'ud'],
  },
  it: {
    dir: [
      ['prossim[oa]', 1],
      ['scors[oa]|passat[oa]', -1],
      ["quest[oa]|quest'", 0],
    ],
    unit: [
      ['fine settimana|weekend', 'weekend'],
      ['settimana', 'week'],
      ['mese', 'month'],
      ['anno', 'year'],
    ],
    orders: ['du', 'ud'],
    gap: '\\s*',
  },
  pt: {
    dir: [
      ['pr[óo]xim[oa]|que vem', 1],
      ['passad[oa]', -1],
      ['est[ea]|nest[ea]|ness[ea]', 0],
    ],
    unit: [
      ['fim de semana', 'weekend'],
      ['semana', 'week'],
      ['m[eê]s', 'month'],
      ['ano', 'year'],
    ],
    orders: ['du', 'ud'],
  },
  nl: {
    dir: [
      ['volgende?|komende?', 1],
      ['vorige?|afgelopen', -1],
      ['deze|dit', 0],
    ],
    unit: [
      ['weekend', 'weekend'],
      ['week', 'week'],
      ['maand', 'month'],
      ['jaar', 'year'],
    ],
    orders: ['du'],
  },
  ru: {
    dir: [
      ['следующ\\p{L}*|будущ\\p{L}*', 1],
      ['прошл\\p{L}*', -1],
      ['эт(?:от|ой|ом|у|а|и|их)', 0],
    ],
    unit: [
      ['выходн\\p{L}*', 'weekend'],
      ['недел\\p{L}*', 'week'],
      ['месяц\\p{L}*', 'month'],
      ['год\\p{L}*', 'year'],
    ],
    orders: ['du'],
  },
  ja: {
    dir: [
      ['来', 1],
      ['先|昨|去', -1],
      ['今', 0],
    ],
    unit: [
      ['週末', 'weekend'],
      // "来週の金曜日" is a day: the weekday rule reads it.
      ['週(?!の?[日月火水木金土]曜)', 'week'],
      ['月', 'month'],
      ['年', 'year'],
    ],
    orders: ['du'],
    gap: '',
  },
  zh: {
    dir: [
      ['下个?|下一个', 1],
      ['上个?|上一个', -1],
      ['这个?|本', 0],
    ],
    unit: [
      ['周末', 'weekend'],
      // "下周五" is a day: chrono's zh locale reads it.
      ['(?:周|星期|礼拜)(?![一二三四五六日天1-7])', 'week'],
      ['月', 'month'],
    ],
    orders: ['du'],
    gap: '',
  },
};

/** Chinese years have their own words. */
const ZH_YEARS: Array<[string, -1 | 0 | 1]> = [
  ['明年', 1],
  ['去年', -1],
  ['今年', 0],
];

/** "next week", "last month", "this year" (and weekend) in `language`; none for English (handled in time-expressions.ts). */
export function periodMatchers(language: Language): PeriodMatcher[] {
  const words = PERIODS[language];
  if (!words) return [];
  const cjk = language === 'ja' || language === 'zh';
  const [b, e] = cjk ? ['', ''] : [B, E];
  const gap = words.gap ?? '\\s+';
  const dirs = words.dir.map(([w]) => `(${w})`).join('|');
  const units = words.unit.map(([w]) => `(${w})`).join('|');
  const nd = words.dir.length;
  const nu = words.unit.length;
  const read = (groups: Array<string | undefined>, dirFirst: boolean) => {
    const [dg, ug] = dirFirst
      ? [groups.slice(0, nd), groups.slice(nd)]
      : [groups.slice(nu), groups.slice(0, nu)];
    const dir = words.dir[dg.findIndex((g) => g !== undefined)]?.[1];
    const unit = words.unit[ug.findIndex((g) => g !== undefined)]?.[1];
    return dir === undefined || unit === undefined ? null : { dir, unit };
  };
  const out: PeriodMatcher[] = words.orders.map((order) => {
    const source =
      order === 'du' ? `${b}(?:${dirs})${gap}(?:${units})${e}` : `${b}(?:${units})${gap}(?:${dirs})${e}`;
    return { pattern: new RegExp(source, 'giu'), read: (m) => read(m.slice(1), order === 'du') };
  });
  if (language === 'zh') {
    out.push({
      pattern: new RegExp(ZH_YEARS.map(([w]) => `(${w})`).join('|'), 'gu'),
      read: (m) => ({ dir: ZH_YEARS[m.slice(1).findIndex((g) => g !== undefined)]?.[1] ?? 0, unit: 'year' }),
    });
  }
  return out;
}

/** Words for "every" that make the time expression after them a habit (regex, anchored at the end). */
const EVERY: Partial<Record<Language, RegExp>> = {
  de: new RegExp(`${B}jede[nmrs]?\\s+$`, 'iu'),
  fr: new RegExp(`${B}(?:chaque|tou(?:te)?s les)\\s+$`, 'iu'),
  es: new RegExp(`${B}(?:cada|tod[oa]s l[oa]s)\\s+$`, 'iu'),
  it: new RegExp(`${B}(?:ogni|tutt[ie] (?:i|le|gli))\\s+$`, 'iu'),
  pt: new RegExp(`${B}(?:cada|tod[oa]s? (?:[oa]s?\\s+)?)\\s*$`, 'iu'),
  nl: new RegExp(`${B}(?:elke?|iedere?)\\s+$`, 'iu'),
  ru: new RegExp(`${B}кажд\\p{L}*\\s+$`, 'iu'),
  ja: /毎[日週月年朝晩]?の?$/u,
  zh: /每(?:天|日|周|星期|个星期|月|个月|年)?$/u,
};

/** The calendar day `days` after the wall-clock reference `ref` (UTC fields are the wall clock). */
function dayComponents(ref: Date, days: number, months = 0, years = 0) {
  const d = new Date(
    Date.UTC(ref.getUTCFullYear() + years, ref.getUTCMonth() + months, ref.getUTCDate() + days),
  );
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
  };
}

/** A clone of the locale's casual parser with the weekday and "in N" rules of `language` added. */
export function withLocaleRules(base: Chrono, language: Language): Chrono {
  const parser = base.clone();
  for (const m of weekdayMatchers(language)) {
    parser.parsers.push({
      pattern: () => m.pattern,
      extract: (context, match) => {
        const { weekday, modifier } = m.read(match as RegExpExecArray);
        if (weekday < 0) return null;
        return dayComponents(context.refDate, daysToWeekday(context.refDate.getUTCDay(), weekday, modifier));
      },
    });
  }
  for (const m of shiftMatchers(language)) {
    parser.parsers.push({
      pattern: () => m.pattern,
      extract: (context, match) => {
        const s = m.read(match as RegExpExecArray);
        if (!s) return null;
        const ref = context.refDate;
        if (s.unit === 'day' || s.unit === 'week')
          return dayComponents(ref, s.count * (s.unit === 'week' ? 7 : 1));
        const { year, month } = dayComponents(
          ref,
          0,
          s.unit === 'month' ? s.count : 0,
          s.unit === 'year' ? s.count : 0,
        );
        // As English "in 3 months": the month is known, the day is not.
        return s.unit === 'month' ? { year, month } : { year };
      },
    });
  }
  // Drop a result inside a longer one ("sexta-feira" inside "próxima sexta-feira") before
  // chrono merges dates with times, so the longer one gets "às 15h".
  parser.refiners.unshift({
    refine: (_context, results) =>
      results.filter(
        (r) =>
          !results.some(
            (o) =>
              o !== r &&
              o.index <= r.index &&
              o.index + o.text.length >= r.index + r.text.length &&
              o.text.length > r.text.length,
          ),
      ),
  });
  const every = EVERY[language];
  if (every) {
    // "jeden Morgen", "每天早上", "毎週火曜日": a habit, not a day (chrono reads a date).
    parser.refiners.push({
      refine: (context, results) =>
        results.filter((r) => !every.test(context.text.slice(Math.max(0, r.index - 16), r.index))),
    });
  }
  if (language !== 'ja' && language !== 'zh') {
    // A weekday or month abbreviation read inside a longer word ("letzten Fr" of "letzten
    // Frühling"): the locales' patterns end at an ASCII word boundary, which ü is not.
    parser.refiners.push({
      refine: (context, results) =>
        results.filter((r) => {
          const after = context.text.slice(r.index + r.text.length, r.index + r.text.length + 1);
          const tail = /\p{L}*$/u.exec(r.text)?.[0] ?? '';
          return !(/^\p{L}$/u.test(after) && tail.length > 0 && tail.length < 4);
        }),
    });
  }
  return parser;
}
