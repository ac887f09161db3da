/**
 * Time expressions in each supported language, read with chrono's locale for it: "an exam
 * next Friday" said on Monday 30 November 2026 in Berlin is Friday 11 December (as in
 * English), and a date written out is that day, with the zone's offset in the UTC range.
 */
import { describe, expect, it } from 'vitest';
import type { Language } from './languages.ts';
import { findTimeExpressions } from './time-expressions.ts';

const MONDAY = new Date('2026-11-30T10:00:00Z');
const ZONE = 'Europe/Berlin';

const NEXT_FRIDAY: Array<[Language, string]> = [
  ['en', 'I have an exam next Friday'],
  ['de', 'Ich habe nächsten Freitag eine Prüfung'],
  ['fr', "J'ai un examen vendredi prochain"],
  ['es', 'Tengo un examen el próximo viernes'],
  ['it', 'Ho un esame venerdì prossimo'],
  ['nl', 'Ik heb volgende vrijdag een examen'],
  ['ru', 'У меня экзамен в следующую пятницу'],
  ['zh', '我下周五有考试'],
];

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

describe('time expressions per language', () => {
  it.each(NEXT_FRIDAY)('%s: "next Friday" on a Monday is Friday of next week', (language, text) => {
    const [expr] = findTimeExpressions(text, MONDAY, ZONE, language);
    expect(expr).toMatchObject({
      label: '2026-12-11',
      granularity: 'day',
      start: '2026-12-10T23:00:00.000Z',
    });
  });

  it.each(WRITTEN_DATE)('%s: a written date is that day in the zone', (language, text) => {
    const [expr] = findTimeExpressions(text, MONDAY, ZONE, language);
    expect(expr).toMatchObject({ label: '2026-12-12', start: '2026-12-11T23:00:00.000Z' });
  });

  it('reads German with the English parser as nothing (why the language matters)', () => {
    expect(findTimeExpressions('Ich habe nächsten Freitag eine Prüfung', MONDAY, ZONE)).toEqual([]);
  });
});
