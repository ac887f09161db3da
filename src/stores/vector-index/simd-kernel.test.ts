import { describe, expect, it } from 'vitest';
import { instantiateKernel } from './simd-kernel.ts';

describe('simd kernel', () => {
  it('dotI8x4 gives the same sums as dotI8 and a plain loop, for any row count and dims', () => {
    let seed = 3;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return ((seed >>> 8) % 255) - 127;
    };
    for (const dims of [5, 8, 16, 37, 228]) {
      const rows = 103;
      const outAt = 1024;
      const dataAt = outAt + rows * 4;
      const made = instantiateKernel(dataAt + rows * dims);
      if (!made) return; // no WebAssembly SIMD here: the slab falls back to JavaScript
      const { memory, kernel } = made;
      const bytes = new Int8Array(memory.buffer);
      for (let i = 0; i < dims; i++) bytes[i] = next();
      for (let i = 0; i < rows * dims; i++) bytes[dataAt + i] = next();
      const out = new Int32Array(memory.buffer, outAt, rows);
      for (const count of [0, 1, 3, 4, 5, 8, 103]) {
        const plain = Array.from({ length: count }, (_, r) => {
          let sum = 0;
          for (let i = 0; i < dims; i++) sum += bytes[i]! * bytes[dataAt + r * dims + i]!;
          return sum;
        });
        out.fill(-1);
        kernel.dotI8x4(0, dataAt, count, dims, outAt);
        expect(Array.from(out.subarray(0, count))).toEqual(plain);
        if (count < rows) expect(out[count]).toBe(-1); // nothing written past the last row
        out.fill(-1);
        kernel.dotI8(0, dataAt, count, dims, outAt);
        expect(Array.from(out.subarray(0, count))).toEqual(plain);
      }
    }
  });
});
