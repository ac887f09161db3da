import { describe, expect, it } from 'vitest';
import { VectorCache } from './vector-cache.ts';

const vec = (...xs: number[]) => Float32Array.from(xs);

describe('VectorCache', () => {
  it('stores copies and hands out copies', () => {
    const cache = new VectorCache(10);
    const source = vec(1, 2, 3);
    cache.set('a', source);
    source[0] = 99; // the provider may reuse its buffer
    const first = cache.getCopy('a') as Float32Array;
    expect(Array.from(first)).toEqual([1, 2, 3]);
    first[1] = -1;
    expect(Array.from(cache.getCopy('a') as Float32Array)).toEqual([1, 2, 3]);
    expect(cache.getCopy('b')).toBeUndefined();
  });

  it('evicts the least recently used entry and reuses its slot', () => {
    const cache = new VectorCache(2);
    cache.set('a', vec(1, 1));
    cache.set('b', vec(2, 2));
    cache.getCopy('a'); // a is now most recent
    cache.set('c', vec(3, 3)); // evicts b
    expect(cache.getCopy('b')).toBeUndefined();
    expect(Array.from(cache.getCopy('a') as Float32Array)).toEqual([1, 1]);
    expect(Array.from(cache.getCopy('c') as Float32Array)).toEqual([3, 3]);
    cache.set('a', vec(4, 4)); // overwrite in place
    expect(Array.from(cache.getCopy('a') as Float32Array)).toEqual([4, 4]);
    expect(cache.size).toBe(2);
  });

  it('spans several slabs', () => {
    const cache = new VectorCache(3000);
    for (let i = 0; i < 2500; i++) cache.set(`k${i}`, vec(i, -i, i / 2));
    expect(cache.size).toBe(2500);
    for (const i of [0, 1023, 1024, 2047, 2048, 2499]) {
      expect(Array.from(cache.getCopy(`k${i}`) as Float32Array)).toEqual([i, -i, i / 2]);
    }
  });

  it('size 0 stores nothing; a change of dimensions starts afresh', () => {
    const none = new VectorCache(0);
    none.set('a', vec(1));
    expect(none.getCopy('a')).toBeUndefined();
    const cache = new VectorCache(4);
    cache.set('a', vec(1, 2));
    cache.set('b', vec(1, 2, 3));
    expect(cache.getCopy('a')).toBeUndefined();
    expect(Array.from(cache.getCopy('b') as Float32Array)).toEqual([1, 2, 3]);
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
