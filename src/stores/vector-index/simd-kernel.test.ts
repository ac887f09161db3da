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
  it('dotI8At scores the rows a slot list names, in list order, with the list as its own output', () => {
    const dims = 37;
    const rows = 50;
    const idxAt = 64;
    const dataAt = idxAt + rows * 4;
    const made = instantiateKernel(dataAt + rows * dims);
    if (!made) return;
    const { memory, kernel } = made;
    const bytes = new Int8Array(memory.buffer);
    for (let i = 0; i < dims; i++) bytes[i] = ((i * 37) % 255) - 127;
    for (let i = 0; i < rows * dims; i++) bytes[dataAt + i] = ((i * 101 + 7) % 255) - 127;
    const plain = (r: number) => {
      let sum = 0;
      for (let i = 0; i < dims; i++) sum += bytes[i]! * bytes[dataAt + r * dims + i]!;
      return sum;
    };
    const slots = [49, 0, 7, 7, 23, 1];
    const list = new Int32Array(memory.buffer, idxAt, rows);
    list.fill(-1);
    list.set(slots);
    kernel.dotI8At(0, dataAt, idxAt, slots.length, dims, idxAt);
    expect(Array.from(list.subarray(0, slots.length))).toEqual(slots.map(plain));
    expect(list[slots.length]).toBe(-1);
  });
});
