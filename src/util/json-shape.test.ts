import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryError } from '../errors.ts';
import { assertJsonShape } from './json-shape.ts';

function limitOf(text: string, limits = {}): string | null {
  try {
    assertJsonShape(text, 'Body', limits);
    return null;
  } catch (error) {
    if (MemoryError.isInstance(error)) return String(error.details.limit);
    throw error;
  }
}

/** Depth and largest array of a parsed value, walked iteratively (the reference). */
function shapeOf(value: unknown): { depth: number; widest: number } {
  let depth = 0;
  let widest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    depth = Math.max(depth, d);
    const children = Array.isArray(v) ? v : Object.values(v);
    if (Array.isArray(v)) widest = Math.max(widest, v.length);
    for (const c of children) stack.push([c, d + 1]);
  }
  return { depth, widest };
}

describe('assertJsonShape', () => {
  it('refuses deep nesting and long arrays, naming the limit', () => {
    expect(limitOf('['.repeat(10_000) + ']'.repeat(10_000))).toBe('maxJsonDepth');
    expect(limitOf(JSON.stringify({ a: Array.from({ length: 100_000 }, () => 0) }))).toBe(
      'maxJsonArrayLength',
    );
    expect(limitOf(JSON.stringify({ a: [[[1]]], b: '[[[[[[[[' }), { maxDepth: 4 })).toBeNull();
    expect(limitOf('{"s":"\\"[[[[[[["}', { maxDepth: 2 })).toBeNull();
  });

  it('agrees with the parsed value on any JSON (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        (value, maxDepth, maxArrayLength) => {
          const text = JSON.stringify(value);
          const { depth, widest } = shapeOf(value);
          const got = limitOf(text, { maxDepth, maxArrayLength });
          if (depth > maxDepth) expect(got).not.toBeNull();
          else if (widest > maxArrayLength) expect(got).toBe('maxJsonArrayLength');
          else expect(got).toBeNull();
        },
      ),
      { numRuns: 500 },
    );
  });
});
