import { describe, expect, it } from 'vitest';
import { MemoryError } from '../errors.ts';
import { describeDate, findTimeExpressions, stripExpressions } from './time-expressions.ts';
import { assertTimeZone, fromWallClock, localDate, toWallClock } from './time-zone.ts';

const at = new Date('2026-11-25T10:00:00Z'); // a Wednesday

describe('findTimeExpressions', () => {
  it('resolves "next Friday" to that Friday in the user zone', () => {
    const [e] = findTimeExpressions("I'm so nervous about my exam next Friday", at, 'Europe/Berlin');
    expect(e).toMatchObject({ text: 'next Friday', granularity: 'day', label: '2026-12-04' });
    expect(e?.start).toBe('2026-12-03T23:00:00.000Z');
    expect(e?.end).toBe('2026-12-04T23:00:00.000Z');
  });

  it('widens periods: next week is Monday..Sunday, last month the whole month', () => {
    const [week] = findTimeExpressions('what is coming up next week?', at, 'UTC');
    expect(week).toMatchObject({
      start: '2026-11-30T00:00:00.000Z',
      end: '2026-12-07T00:00:00.000Z',
      granularity: 'week',
    });
    const [month] = findTimeExpressions('I moved to Berlin last month.', at, 'UTC');
    expect(month).toMatchObject({
      start: '2026-10-01T00:00:00.000Z',
      end: '2026-11-01T00:00:00.000Z',
      label: '2026-10',
    });
  });

  it('uses the wall clock of the zone: late evening in New York is still the 24th there', () => {
    const late = new Date('2026-11-25T03:00:00Z'); // 22:00 on the 24th in New York
    const [ny] = findTimeExpressions('see you tomorrow', late, 'America/New_York');
    expect(ny?.label).toBe('2026-11-25');
    const [utc] = findTimeExpressions('see you tomorrow', late, 'UTC');
    expect(utc?.label).toBe('2026-11-26');
  });

  it('reads a perfect-tense duration as when it began, and other durations as no date', () => {
    const [had] = findTimeExpressions("I've had them for 3 years now", at, 'UTC');
    expect(had).toMatchObject({ text: 'for 3 years', granularity: 'year', label: '2023', since: true });
    expect(describeDate(had!)).toBe('since 2023');
    const [month] = findTimeExpressions("I've been playing the drums for a month", at, 'UTC');
    expect(describeDate(month!)).toBe('since October 2026');
    expect(findTimeExpressions('We left after 3 years', at, 'UTC')).toEqual([]);
    expect(findTimeExpressions('I am staying for four years', at, 'UTC')).toEqual([]);
    expect(findTimeExpressions('I am busy right now', at, 'UTC')).toEqual([]);
  });

  it('describes resolved dates for a reader', () => {
    const [day] = findTimeExpressions('exam next Friday', at, 'UTC');
    expect(describeDate(day!)).toBe('Friday 4 December 2026');
    const [week] = findTimeExpressions('busy last week', at, 'UTC');
    expect(describeDate(week!)).toBe('week of 16 November 2026');
    const [month] = findTimeExpressions('moved last month', at, 'UTC');
    expect(describeDate(month!)).toBe('October 2026');
  });

  it('keeps exact times and strips expressions from a query', () => {
    const [e] = findTimeExpressions('dentist tomorrow at 5pm', at, 'Europe/Berlin');
    expect(e).toMatchObject({ granularity: 'time', start: '2026-11-26T16:00:00.000Z' });
    const found = findTimeExpressions('what did I say last week about the trip?', at, 'UTC');
    expect(stripExpressions('what did I say last week about the trip?', found)).toBe(
      'what did I say about the trip?',
    );
  });
});

describe('zone helpers', () => {
  it('validates IANA zones with a clear error', () => {
    expect(assertTimeZone('Asia/Tokyo')).toBe('Asia/Tokyo');
    const error = (() => {
      try {
        assertTimeZone('Mars/Olympus');
      } catch (e) {
        return e;
      }
    })();
    expect(MemoryError.isInstance(error) && error.code).toBe('validation_error');
  });

  it('round-trips wall clock across DST', () => {
    for (const iso of ['2026-03-29T00:30:00Z', '2026-10-25T01:30:00Z', '2026-07-01T12:00:00Z']) {
      const d = new Date(iso);
      expect(fromWallClock(toWallClock(d, 'Europe/Berlin'), 'Europe/Berlin').toISOString()).toBe(
        d.toISOString(),
      );
    }
    expect(localDate(new Date('2026-11-25T23:30:00Z'), 'Asia/Tokyo')).toBe('2026-11-26');
  });
});
