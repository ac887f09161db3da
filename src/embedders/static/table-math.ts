/**
 * The static embedder's inner loops over int8 table rows. They reproduce, operation for
 * operation, the float32 arithmetic of the original one-row-at-a-time loop (every addition
 * rounded to float32), so vectors stay bit-identical; normalization is text/hashing.ts's. Two
 * rows are added per pass with Math.fround standing in for the intermediate float32 store:
 * same result, half the loads and stores of `out`.
 */

/** out[i] += data[offset + i] * scale for i < dims. */
function accumulateRow(
  out: Float32Array,
  data: Int8Array,
  offset: number,
  dims: number,
  scale: number,
): void {
  for (let i = 0; i < dims; i++) out[i] = (out[i] as number) + (data[offset + i] as number) * scale;
}

/** Exactly accumulateRow(a) then accumulateRow(b), in one pass. */
function accumulateTwoRows(
  out: Float32Array,
  data: Int8Array,
  offsetA: number,
  scaleA: number,
  offsetB: number,
  scaleB: number,
  dims: number,
): void {
  const fround = Math.fround;
  for (let i = 0; i < dims; i++) {
    out[i] =
      fround((out[i] as number) + (data[offsetA + i] as number) * scaleA) +
      (data[offsetB + i] as number) * scaleB;
  }
}

/** Sums rows (table offsets and scales, in order) into a zeroed `out`. */
export function accumulateRows(
  out: Float32Array,
  data: Int8Array,
  offsets: Int32Array,
  scales: Float64Array,
  count: number,
  dims: number,
): void {
  let k = 0;
  for (; k + 1 < count; k += 2) {
    accumulateTwoRows(
      out,
      data,
      offsets[k] as number,
      scales[k] as number,
      offsets[k + 1] as number,
      scales[k + 1] as number,
      dims,
    );
  }
  if (k < count) accumulateRow(out, data, offsets[k] as number, dims, scales[k] as number);
}

export function scaleRange(out: Float32Array, start: number, end: number, factor: number): void {
  for (let i = start; i < end; i++) out[i] = (out[i] as number) * factor;
}
