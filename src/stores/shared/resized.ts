/**
 * Growing (or shrinking) a typed-array column: a new array of the same kind holding the first
 * min(old, new) entries. Shared by the keyword index's arenas and the per-slot filter columns
 * (slot-fields.ts).
 */

type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

export function resized<T extends Column>(array: T, size: number): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array.subarray(0, Math.min(size, array.length)));
  return next;
}

type Rows = Column | Int8Array | Float32Array;

/**
 * Reorders the first `rows` rows (`stride` entries each) of a row-major array in place so
 * that new row i holds old row order[i] (`order` a permutation of [0, rows)): each cycle of
 * the permutation is followed with one row of scratch, so no second copy of the array is
 * made (a large one would stay resident after it is freed).
 */
export function permuteRows(array: Rows, stride: number, order: Int32Array, rows: number): void {
  const done = new Uint8Array(rows);
  const held = array.slice(0, stride) as Rows;
  for (let start = 0; start < rows; start++) {
    if (done[start] || order[start] === start) continue;
    held.set(array.subarray(start * stride, start * stride + stride) as never);
    let to = start;
    for (;;) {
      done[to] = 1;
      const from = order[to]!;
      if (from === start) break;
      array.copyWithin(to * stride, from * stride, from * stride + stride);
      to = from;
    }
    array.set(held as never, to * stride);
  }
}
