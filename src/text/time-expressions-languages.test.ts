/**
 * Time expressions in each supported language, read with chrono's locale for it plus the
 * rules of time-locale-rules.ts, on a fixed clock in a fixed zone: said on Wednesday
 * 2 December 2026 at 11:00 in Berlin, "next Friday" is Friday 11 December (as chrono reads
 * English), "last Friday" 27 November, "tomorrow" 3 December, "in 3 days" 5 December and
 * "next week" the week of Monday 7 December; a written date is that day, with the zone's
 * offset in the UTC range.
 */
import { describe, expect, it } from 'vitest';
import type { Language } from './languages.ts';
import { findTimeExpressions } from './time-expressions.ts';
import { daysToWeekday } from './time-locale-rules.ts';

const WEDNESDAY = new Date('2026-12-02T10:00:00Z');
const ZONE = 'Europe/Berlin';

/** [language, next Friday, last Friday, tomorrow, in 3 days, next week] as a speaker says them. */
const PHRASES: Array<[Language, string, string, string, string, string]> = [
  [
    'en',
    'I have an exam next Friday',
    'I saw her last Friday',
    'I fly tomorrow',
    'I fly in 3 days',
    'I am away next week',
  ],
  [
    'de',
    'Ich habe nächsten Freitag eine Prüfung',
    'Ich habe sie letzten Freitag gesehen',
    'Ich fliege morgen',
    'Ich fliege in drei Tagen',
    'Nächste Woche bin ich nicht da',
  ],
  [
    'fr',
    "J'ai un examen vendredi prochain",
    "Je l'ai vue vendredi dernier",
    'Je pars demain',
    'Je pars dans 3 jours',
    'Je suis absente la semaine prochaine',
  ],
  [
    'es',
    'Tengo un examen el próximo viernes',
    'La vi el viernes pasado',
    'Vuelo mañana',
    'Vuelo dentro de tres días',
    'La semana que viene no estoy',
  ],
  [
    'it',
    'Ho un esame venerdì prossimo',
    "L'ho vista venerdì scorso",
    'Parto domani',
    'Parto tra 3 giorni',
    'La settimana prossima sono via',
  ],
  [
    'pt',
    'Tenho uma prova na próxima sexta-feira',
    'Eu a vi na sexta-feira passada',
    'Viajo amanhã',
    'Viajo daqui a três dias',
    'Vou estar fora na semana que vem',
  ],
  [
    'nl',
    'Ik heb volgende vrijdag een examen',
    'Ik zag haar afgelopen vrijdag',
    'Ik vlieg morgen',
    'Ik vlieg over 3 dagen',
    'Volgende week ben ik weg',
  ],
  [
    'ru',
    'У меня экзамен в следующую пятницу',
    'Я видела её в прошлую пятницу',
    'Я улетаю завтра',
    'Я улетаю через три дня',
    'На следующей неделе меня не будет',
  ],
  [
    'ja',
    '来週の金曜日に試験があります',
    '先週の金曜日に彼女に会いました',
    '明日出発します',
    '3日後に出発します',
    '来週は留守です',
  ],
  ['zh', '我下周五有考试', '我上周五见过她', '我明天出发', '我三天后出发', '我下个星期不在'],
];

const first = (text: string, language: Language, reference = WEDNESDAY, zone = ZONE) => {
  const found = findTimeExpressions(text, reference, zone, language);
  expect(found, `no time expression in "${text}"`).toHaveLength(1);
  return found[0];
};

describe('time expressions per language', () => {
  it.each(PHRASES)('%s: next Friday, last Friday, tomorrow, in 3 days, next week', (language, ...texts) => {
    const [nextFriday, lastFriday, tomorrow, inThree, nextWeek] = texts.map((t) => first(t, language));
    expect(nextFriday).toMatchObject({
      label: '2026-12-11',
      granularity: 'day',
      start: '2026-12-10T23:00:00.000Z',
    });
    expect(lastFriday).toMatchObject({
      label: '2026-11-27',
      granularity: 'day',
      start: '2026-11-26T23:00:00.000Z',
    });
    expect(tomorrow).toMatchObject({
      label: '2026-12-03',
      granularity: 'day',
      end: '2026-12-03T23:00:00.000Z',
    });
    expect(inThree).toMatchObject({ label: '2026-12-05', granularity: 'day' });
    expect(nextWeek).toMatchObject({
      label: '2026-12-07',
      granularity: 'week',
      start: '2026-12-06T23:00:00.000Z',
      end: '2026-12-13T23:00:00.000Z',
    });
  });

  it.each([
    ['de', 'am kommenden Freitag', '2026-12-04'],
    ['es', 'el viernes que viene', '2026-12-11'],
    ['pt', 'na sexta-feira que vem', '2026-12-11'],
    ['pt', 'nesta sexta', '2026-12-04'],
    ['pt', 'há 2 dias', '2026-11-30'],
    ['nl', 'komende vrijdag', '2026-12-04'],
    ['it', 'lo scorso venerdì', '2026-11-27'],
    ['ja', '今週の金曜日', '2026-12-04'],
    ['ja', '来週金曜', '2026-12-11'],
    ['ja', '二日前', '2026-11-30'],
  ] as Array<[Language, string, string]>)('%s: "%s" is %s', (language, text, label) => {
    expect(first(text, language)).toMatchObject({ label, granularity: 'day' });
  });

  it.each([
    ['de', 'letztes Jahr', 'year', '2025'],
    ['fr', "l'année prochaine", 'year', '2027'],
    ['es', 'el mes pasado', 'month', '2026-11'],
    ['it', "quest'anno", 'year', '2026'],
    ['pt', 'no próximo mês', 'month', '2027-01'],
    ['nl', 'vorige maand', 'month', '2026-11'],
    ['ru', 'в прошлом году', 'year', '2025'],
    ['ja', '来月', 'month', '2027-01'],
    ['zh', '去年', 'year', '2025'],
    ['zh', '下个月', 'month', '2027-01'],
  ] as Array<[Language, string, string, string]>)(
    '%s: "%s" is the whole %s %s',
    (language, text, granularity, label) => {
      expect(first(text, language)).toMatchObject({ granularity, label });
    },
  );

  it('a next weekday keeps the time said with it', () => {
    expect(first('na próxima sexta-feira às 15:00', 'pt')).toMatchObject({
      granularity: 'time',
      start: '2026-12-11T14:00:00.000Z',
    });
  });

  it('resolves on the wall clock of the zone: Thursday morning in Tokyo is still Wednesday in UTC', () => {
    const late = new Date('2026-12-02T20:00:00Z'); // 05:00 Thursday 3 December in Tokyo
    expect(first('明日出発します', 'ja', late, 'Asia/Tokyo')).toMatchObject({
      label: '2026-12-04',
      start: '2026-12-03T15:00:00.000Z',
    });
    expect(first('来週の金曜日', 'ja', late, 'Asia/Tokyo')).toMatchObject({ label: '2026-12-11' });
  });

  it('daysToWeekday: next is in the next Monday-based week, last the latest before today', () => {
    // Sunday 0 … Saturday 6; a Wednesday reference (3).
    expect(daysToWeekday(3, 5, 'next')).toBe(9);
    expect(daysToWeekday(3, 1, 'next')).toBe(5);
    expect(daysToWeekday(3, 3, 'last')).toBe(-7);
    expect(daysToWeekday(3, 5, 'last')).toBe(-5);
    expect(daysToWeekday(3, 3, 'this')).toBe(0);
    expect(daysToWeekday(0, 1, 'next')).toBe(1); // on Sunday, next Monday is tomorrow
    expect(daysToWeekday(6, 5, 'lastWeek')).toBe(-8);
  });
});

const WRITTEN_DATE: Array<[Language, string]> = [
  ['de', 'Die Hochzeit ist am 12. Dezember 2026'],
  ['fr', 'Le mariage est le 12 décembre 2026'],
  ['es', 'La boda es el 12 de diciembre de 2026'],
  ['it', 'Il matrimonio è il 12 dicembre 2026'],
  ['pt', 'O casamento é em 12 de dezembro de 2026'],
  ['nl', 'De bruiloft is op 12 december 2026'],
  ['ru', 'Свадьба 12 декабря 2026 года'],
  ['ja', '結婚式は2026年12月12日です'],
  ['zh', '婚礼在2026年12月12日'],
];

describe('written dates per language', () => {
  it.each(WRITTEN_DATE)('%s: a written date is that day in the zone', (language, text) => {
    expect(first(text, language)).toMatchObject({ label: '2026-12-12', start: '2026-12-11T23:00:00.000Z' });
  });

  it('reads German with the English parser as nothing (why the language matters)', () => {
    expect(findTimeExpressions('Ich habe nächsten Freitag eine Prüfung', WEDNESDAY, ZONE)).toEqual([]);
  });
});

describe('what is not a date', () => {
  it.each([
    ['de', 'Ich jogge jeden Morgen'],
    ['fr', 'Je cours tous les matins'],
    ['es', 'Corro todas las mañanas'],
    ['it', 'Corro ogni mattina'],
    ['pt', 'Corro toda manhã'],
    ['nl', 'Ik loop elke ochtend'],
    ['ru', 'Каждое утро я бегаю'],
    ['ja', '毎週火曜日の夜にバイオリンを弾きます'],
    ['zh', '我每天早上跑步'],
  ] as Array<[Language, string]>)('%s: a habit ("%s", every morning) is no date', (language, text) => {
    expect(findTimeExpressions(text, WEDNESDAY, ZONE, language)).toEqual([]);
  });

  it('de: "letzten Frühling" is no Friday (chrono read "letzten Fr" inside the word)', () => {
    expect(
      findTimeExpressions('Ich habe letzten Frühling ein Fahrrad gekauft', WEDNESDAY, ZONE, 'de'),
    ).toEqual([]);
  });
});
