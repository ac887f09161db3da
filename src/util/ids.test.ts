import { describe, expect, it } from 'vitest';
import { newId, shortId } from './ids.ts';

describe('newId', () => {
  it('is a lowercase UUIDv7 whose first 48 bits are the time in ms', () => {
    const at = Date.UTC(2026, 11, 7, 9, 30, 0, 123);
    const id = newId(at);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
    expect(shortId(id)).toBe(id.slice(0, 8));
  });

  it('sorts by time and never repeats', () => {
    const ids = Array.from({ length: 2_000 }, (_, i) => newId(1_700_000_000_000 + i));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
