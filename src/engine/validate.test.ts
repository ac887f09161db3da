import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { MemoryError } from '../errors.ts';
import { checkBatch, checkContent, checkMetadata, parseId, parseUserId } from './validate.ts';

const config = ConfigSchema.parse({ limits: { maxContentBytes: 8, maxMetadataBytes: 20, maxBatchSize: 2 } });

function failure(fn: () => unknown): MemoryError {
  try {
    fn();
  } catch (error) {
    if (MemoryError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('edge validation', () => {
  it('trims content and counts UTF-8 bytes against the limit', () => {
    expect(checkContent('  hi  ', config)).toBe('hi');
    expect(failure(() => checkContent(' \n ', config)).code).toBe('validation_error');
    expect(checkContent('ééé', config)).toBe('ééé'); // 6 bytes
    const big = failure(() => checkContent('éééé😀', config, 'input.content'));
    expect(big.code).toBe('payload_too_large');
    expect(big.message).toContain('input.content is 12 bytes, over the limit of 8 bytes');
  });

  it('limits metadata and batch sizes', () => {
    expect(() => checkMetadata({ a: 1 }, config)).not.toThrow();
    expect(failure(() => checkMetadata({ long: 'x'.repeat(30) }, config)).code).toBe('payload_too_large');
    expect(failure(() => checkBatch(3, config)).message).toContain('limits.maxBatchSize');
  });

  it('checks user ids and memory ids', () => {
    expect(parseUserId('alice')).toBe('alice');
    expect(failure(() => parseUserId(' alice')).message).toContain('userId');
    expect(failure(() => parseId('')).message).toContain('id must be');
    expect(failure(() => parseId(42)).message).toContain('42');
  });
});
