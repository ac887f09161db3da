import { describe, expect, it } from 'vitest';
import { describeDate, findTimeExpressions } from './time-expressions.ts';

const at = new Date('2024-01-20T12:00:00Z'); // a Saturday

/** The one expression found in `text`, as [start day, end day (exclusive)]. */
function span(text: string, zone = 'UTC'): [string, string] {
  const found = findTimeExpressions(text, at, zone);
  expect(found, text).toHaveLength(1);
  const [e] = found;
  return [e?.start.slice(0, 10) ?? '', e?.end.slice(0, 10) ?? ''];
}

describe('English spans around a date', () => {
  it('reads "between X and Y" as one range, the first date taking the second one\'s year', () => {
    expect(span('Where was John between August 11 and August 15 2023?')).toEqual([
      '2023-08-11',
      '2023-08-16',
    ]);
  });

  it('reads "the week before D" as the seven days up to D, "the week after D" as the seven after', () => {
    expect(span('Where was Tim in the week before 16 November 2023?')).toEqual(['2023-11-09', '2023-11-16']);
    expect(span('the week after 3 June 2022')).toEqual(['2022-06-04', '2022-06-11']);
    expect(span('The week of April 3rd, 2023')).toEqual(['2023-04-03', '2023-04-10']);
  });

  it('reads "the weekend before/after/of D" as that Saturday and Sunday, not this weekend', () => {
    expect(span('the weekend after 3 June 2022')).toEqual(['2022-06-04', '2022-06-06']);
    expect(span('the weekend before 3 June 2022')).toEqual(['2022-05-28', '2022-05-30']);
    expect(span('the weekend of 24 June, 2022')).toEqual(['2022-06-25', '2022-06-27']);
  });

  it('reads "the first weekend of August 2023" and "the last week of July 2023"', () => {
    expect(span('Where did Andrew go during the first weekend of August 2023?')).toEqual([
      '2023-08-05',
      '2023-08-07',
    ]);
    expect(span('the last weekend of July 2023')).toEqual(['2023-07-29', '2023-07-31']);
    expect(span('the second week of May 2023')).toEqual(['2023-05-08', '2023-05-15']);
    // Without "of <month>", "last weekend" is still the one before now.
    expect(span('Last weekend I went hiking')).toEqual(['2024-01-13', '2024-01-15']);
  });

  it('knows weekday abbreviations chrono does not ("last Tues") and keeps the word whole', () => {
    const [e] = findTimeExpressions('I just joined a new group last Tues. It was great', at, 'UTC');
    expect(e).toMatchObject({ text: 'last Tues', label: '2024-01-16' });
    expect(describeDate(e as NonNullable<typeof e>)).toBe('Tuesday 16 January 2024');
  });

  it('reads "seven years now" as a span up to now', () => {
    const [e] = findTimeExpressions('Seven years now, and I finally found my muses', at, 'UTC');
    expect(e).toMatchObject({ text: 'Seven years now', since: true });
    expect(describeDate(e as NonNullable<typeof e>)).toBe('since 2017');
  });
});
