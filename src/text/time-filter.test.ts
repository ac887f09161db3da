import { describe, expect, it } from 'vitest';
import { MemoryError } from '../errors.ts';
import { findTimeExpression, parseTimeExpression, resolveTimeRange } from './time-filter.ts';
import { offsetMinutes, utcOf, wallOf } from './time-zone.ts';

// Wednesday 2024-06-05 02:30 UTC = Tuesday 2024-06-04 22:30 in New York (EDT, UTC-4).
const now = new Date('2024-06-05T02:30:00Z');
const NY = 'America/New_York';

function validationError(fn: () => unknown): MemoryError {
  try {
    fn();
  } catch (error) {
    if (MemoryError.isInstance(error) && error.code === 'validation_error') return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('time zones', () => {
  it('converts between wall clock and UTC across DST', () => {
    expect(offsetMinutes(now, NY)).toBe(-240);
    expect(offsetMinutes(new Date('2024-01-15T12:00:00Z'), NY)).toBe(-300);
    expect(wallOf(now, NY)).toMatchObject({ year: 2024, month: 6, day: 4, hour: 22, minute: 30 });
    const wall = { year: 2024, month: 3, day: 10, hour: 12, minute: 0, second: 0, millisecond: 0 };
    expect(utcOf(wall, NY).toISOString()).toBe('2024-03-10T16:00:00.000Z'); // the DST switch day
  });
});

describe('resolveTimeRange', () => {
  it('passes ISO instants through and reads ISO dates as whole days in the zone', () => {
    expect(resolveTimeRange({ since: '2024-05-01T12:00:00Z', now })).toEqual({
      since: '2024-05-01T12:00:00.000Z',
    });
    expect(resolveTimeRange({ since: '2024-05-01', until: '2024-05-01', timeZone: NY, now })).toEqual({
      since: '2024-05-01T04:00:00.000Z',
      until: '2024-05-02T03:59:59.999Z',
    });
    expect(resolveTimeRange({ since: '2024-05-01T09:00', timeZone: NY, now }).since).toBe(
      '2024-05-01T13:00:00.000Z',
    );
  });

  it('resolves "yesterday" on the caller calendar, not UTC', () => {
    expect(resolveTimeRange({ since: 'yesterday', until: 'yesterday', timeZone: NY, now })).toEqual({
      since: '2024-06-03T04:00:00.000Z',
      until: '2024-06-04T03:59:59.999Z',
    });
    expect(resolveTimeRange({ since: 'yesterday', until: 'yesterday', now })).toEqual({
      since: '2024-06-04T00:00:00.000Z',
      until: '2024-06-04T23:59:59.999Z',
    });
  });

  it('resolves "last week" as the previous Monday..Sunday', () => {
    expect(resolveTimeRange({ since: 'last week', until: 'last week', timeZone: NY, now })).toEqual({
      since: '2024-05-27T04:00:00.000Z',
      until: '2024-06-03T03:59:59.999Z',
    });
  });

  it('resolves "in March" to the most recent March and "2 days ago" to that day', () => {
    expect(resolveTimeRange({ since: 'in March', until: 'in March', now })).toEqual({
      since: '2024-03-01T00:00:00.000Z',
      until: '2024-03-31T23:59:59.999Z',
    });
    expect(resolveTimeRange({ since: 'in December', now }).since).toBe('2023-12-01T00:00:00.000Z');
    expect(resolveTimeRange({ since: '2 days ago', until: '2 days ago', timeZone: NY, now })).toEqual({
      since: '2024-06-02T04:00:00.000Z',
      until: '2024-06-03T03:59:59.999Z',
    });
  });

  it('treats "past 3 days" as a rolling window ending now', () => {
    expect(resolveTimeRange({ since: 'past 3 days', now })).toEqual({ since: '2024-06-02T02:30:00.000Z' });
  });

  it('rejects invalid dates naming the field and an example', () => {
    const error = validationError(() => resolveTimeRange({ since: 'banana', now }));
    expect(error.message).toContain('since "banana"');
    expect(error.message).toContain('2024-05-01');
    expect(validationError(() => resolveTimeRange({ until: '2024-13-45', now })).message).toContain('until');
    expect(validationError(() => resolveTimeRange({ until: 'my dog ate last week', now })).message).toContain(
      'until',
    );
  });

  it('rejects an unknown zone and since after until', () => {
    expect(
      validationError(() => resolveTimeRange({ since: 'yesterday', timeZone: 'Mars/Olympus', now })).message,
    ).toContain('Mars/Olympus');
    expect(
      validationError(() => resolveTimeRange({ since: '2024-06-01', until: '2024-05-01', now })).message,
    ).toMatch(/after until/);
  });
});

describe('findTimeExpression', () => {
  it('finds the expression in a query and returns the rest', () => {
    const match = findTimeExpression('what did I say last week?', { now, timeZone: NY });
    expect(match).toMatchObject({
      expression: 'last week',
      text: 'what did I say?',
      since: '2024-05-27T04:00:00.000Z',
    });
    expect(findTimeExpression('what did we plan in March', { now })).toMatchObject({
      text: 'what did we plan',
      since: '2024-03-01T00:00:00.000Z',
    });
    expect(findTimeExpression('where was I in 2019', { now })).toMatchObject({
      text: 'where was I',
      since: '2019-01-01T00:00:00.000Z',
      until: '2019-12-31T23:59:59.999Z',
    });
  });

  it('knows weekends, parts of today and "between X and Y"', () => {
    expect(findTimeExpression('what did we do last weekend?', { now, timeZone: NY })).toMatchObject({
      since: '2024-06-01T04:00:00.000Z', // Saturday 1 June, New York
      until: '2024-06-03T03:59:59.999Z',
      text: 'what did we do?',
    });
    expect(findTimeExpression('what happened this morning', { now, timeZone: NY })).toMatchObject({
      since: '2024-06-04T04:00:00.000Z',
      until: '2024-06-05T03:59:59.999Z',
    });
    expect(findTimeExpression('notes between May 1 and May 3', { now })).toMatchObject({
      since: '2024-05-01T00:00:00.000Z',
      until: '2024-05-03T23:59:59.999Z',
      text: 'notes',
    });
    expect(findTimeExpression('between you and me', { now })).toBeNull();
  });

  it('returns null when no time is named', () => {
    expect(findTimeExpression('what is my favourite food', { now })).toBeNull();
    expect(parseTimeExpression('hiking in the alps', { now })).toBeNull();
  });
});
