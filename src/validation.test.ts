import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryError } from './errors.ts';
import { fieldPath, parseWith } from './validation.ts';

function failure(fn: () => unknown): MemoryError {
  try {
    fn();
  } catch (error) {
    if (MemoryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('one validation path', () => {
  it('names nested fields with dots and indexes, under a prefix', () => {
    const schema = z.object({ items: z.array(z.object({ n: z.number() })) });
    const error = failure(() => parseWith(schema, { items: [{ n: 1 }, { n: 'x' }] }, 'body', 'body'));
    expect(error.code).toBe('validation_error');
    expect(error.message).toMatch(/^Invalid body: body\.items\[1\]\.n: /);
    expect(error.details.issues).toEqual([expect.objectContaining({ field: 'body.items[1].n' })]);
  });

  it('lists ten problems in the message and keeps all of them in details', () => {
    const schema = z.object(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`f${i}`, z.string()])));
    const error = failure(() => parseWith(schema, {}, 'request'));
    expect(error.message).toContain('f9: ');
    expect(error.message).not.toContain('f10: ');
    expect(error.message).toContain('(and 2 more)');
    expect(error.details.issues).toHaveLength(12);
  });

  it('returns the parsed value when it is valid', () => {
    expect(parseWith(z.object({ k: z.coerce.number() }), { k: '3' }, 'query')).toEqual({ k: 3 });
  });

  it('writes paths as code reads them', () => {
    expect(fieldPath(['a', 0, 'b'])).toBe('a[0].b');
    expect(fieldPath([2], 'inputs')).toBe('inputs[2]');
    expect(fieldPath([])).toBe('(root)');
    expect(fieldPath([], 'userId')).toBe('userId');
  });
});
