/**
 * Packed vector storage for one partition, and the "score every row" operation. Small
 * slabs are plain typed arrays scored by a JavaScript loop; from WASM_MIN_ROWS rows on, the
 * rows live in a WebAssembly memory scored by the SIMD kernel (one memory per large
 * partition: a 64 KiB page minimum would waste memory on thousands of tiny users).
 * Int8 rows carry a per-row scale (max |x| / 127); scores come out as approximate cosine.
 * Large float32 slabs (SHADOW_MIN_ROWS+) also keep an int8 shadow copy: a full scan is
 * memory-bandwidth bound (100k x 512 float32 = 200 MB per query), so they scan the 4x
 * smaller shadow for candidates (`approximate`) and the caller re-scores those exactly.
 */
import { permuteRows } from '../shared/resized.ts';
import { Refinement } from './refinement.ts';
import { instantiateKernel, type KernelExports, type WasmMemory } from './simd-kernel.ts';

export type Precision = 'float32' | 'int8';
export const WASM_MIN_ROWS = 1024;
export const SHADOW_MIN_ROWS = 16_384;

const align16 = (n: number) => Math.ceil(n / 16) * 16;
const PAGE = 65_536;

export class Slab {
  readonly data: Float32Array | Int8Array;
  readonly scales: Float32Array;
  /** int8 slabs (not shadows): error bounds for the store's exact re-score (refinement.ts). */
  private readonly refinement: Refinement | null;
  /** int8 copy scanned instead of `data` for large float32 slabs; null otherwise. */
  private readonly shadow: Slab | null = null;
  private readonly wasm: {
    memory: WasmMemory;
    kernel: KernelExports;
    queryAt: number;
    outAt: number;
    dataAt: number;
    q32: Float32Array;
    q8: Int8Array;
    outI32: Int32Array;
    outF32: Float32Array;
  } | null = null;

  /**
   * `previous` (a WebAssembly slab of the same dims and precision with fewer rows) hands over
   * its memory, grown in place: its rows stay where they are, nothing is copied or freed, and
   * `previous` must not be used afterwards.
   */
  constructor(
    readonly dims: number,
    readonly precision: Precision,
    readonly capacity: number,
    refined = precision === 'int8',
    previous?: Slab,
  ) {
    const elem = precision === 'float32' ? 4 : 1;
    this.scales = new Float32Array(capacity);
    this.refinement = refined ? new Refinement(dims, capacity) : null;
    if (precision === 'float32' && capacity >= SHADOW_MIN_ROWS) {
      this.shadow = new Slab(dims, 'int8', capacity, false, previous?.shadow ?? undefined);
      this.data = new Float32Array(capacity * dims);
      return;
    }
    const instance = capacity >= WASM_MIN_ROWS ? this.layoutWasm(elem, previous?.wasm ?? null) : null;
    if (instance) {
      const { memory, kernel, queryAt, outAt, dataAt } = instance;
      const buffer = memory.buffer;
      this.data =
        precision === 'float32'
          ? new Float32Array(buffer, dataAt, capacity * dims)
          : new Int8Array(buffer, dataAt, capacity * dims);
      this.wasm = {
        memory,
        kernel,
        queryAt,
        outAt,
        dataAt,
        q32: new Float32Array(buffer, queryAt, dims),
        q8: new Int8Array(buffer, queryAt, dims),
        outI32: new Int32Array(buffer, outAt, capacity),
        outF32: new Float32Array(buffer, outAt, capacity),
      };
    } else {
      this.data =
        precision === 'float32' ? new Float32Array(capacity * dims) : new Int8Array(capacity * dims);
    }
  }

  /**
   * Query, then the rows, then the score output (scratch, so it may move when the rows grow).
   * With a previous memory it is grown to fit instead of allocating a new one: a partition
   * that grows 1.25x at a time would otherwise free one large buffer per step, which the
   * allocator keeps resident (docs/performance.md, "Resident memory").
   */
  private layoutWasm(elem: number, previous: Slab['wasm']) {
    const queryAt = 0;
    const dataAt = align16(this.dims * 4);
    const outAt = align16(dataAt + this.capacity * this.dims * elem);
    const bytes = outAt + this.capacity * 4;
    if (previous && previous.dataAt === dataAt) {
      const pages = Math.ceil(bytes / PAGE) - previous.memory.buffer.byteLength / PAGE;
      if (pages > 0) previous.memory.grow(pages);
      return { memory: previous.memory, kernel: previous.kernel, queryAt, outAt, dataAt };
    }
    const made = instantiateKernel(bytes);
    return made ? { ...made, queryAt, outAt, dataAt } : null;
  }

  /** True when scoreAll() returns int8 estimates that callers must re-score with exactDot(). */
  get approximate(): boolean {
    return this.shadow !== null;
  }

  /** A bigger slab with the first `rows` rows copied over. */
  grown(capacity: number, rows: number): Slab {
    // a WebAssembly slab's rows stay in its memory, which the next slab grows in place (when
    // the next slab has the same layout: not when a float32 slab gains its shadow)
    const shadowed = this.precision === 'float32' && capacity >= SHADOW_MIN_ROWS;
    const reuse = shadowed === (this.shadow !== null) && (this.wasm !== null || this.shadow?.wasm != null);
    const data = reuse && !this.shadow ? null : this.data.subarray(0, rows * this.dims);
    const next = new Slab(
      this.dims,
      this.precision,
      capacity,
      this.refinement !== null,
      reuse ? this : undefined,
    );
    if (data) next.data.set(data);
    next.scales.set(this.scales.subarray(0, rows));
    if (next.refinement && this.refinement) next.refinement.copyRows(this.refinement, rows);
    if (next.shadow && this.shadow) {
      if (!reuse) next.shadow.data.set(this.shadow.data.subarray(0, rows * this.dims));
      next.shadow.scales.set(this.shadow.scales.subarray(0, rows));
    } else if (next.shadow) {
      const d = this.dims;
      for (let r = 0; r < rows; r++)
        next.shadow.write(r, (this.data as Float32Array).subarray(r * d, r * d + d));
    }
    return next;
  }

  /** Bytes this slab holds: vector data, scales, refinement, WebAssembly memory, shadow. */
  bytes(): number {
    // A WebAssembly slab's data and score output live in one memory (data.buffer).
    const own = this.wasm ? this.data.buffer.byteLength : this.data.byteLength;
    const perRow = this.scales.byteLength + (this.refinement?.bytes ?? 0);
    return own + perRow + (this.shadow?.bytes() ?? 0);
  }

  /** Bytes of the int8 shadow alone (0 when there is none). */
  shadowBytes(): number {
    return this.shadow?.bytes() ?? 0;
  }

  /** Exact dot product of one row with a unit query. */
  exactDot(row: number, query: Float32Array): number {
    const base = row * this.dims;
    let sum = 0;
    for (let i = 0; i < this.dims; i++) sum += query[i]! * this.data[base + i]!;
    return sum * this.scales[row]!;
  }

  /** Stores a unit vector in a row (quantized for int8). */
  write(row: number, unit: Float32Array): void {
    const base = row * this.dims;
    if (this.precision === 'float32') {
      (this.data as Float32Array).set(unit, base);
      this.scales[row] = 1;
      this.shadow?.write(row, unit);
      return;
    }
    let max = 0;
    for (let i = 0; i < unit.length; i++) max = Math.max(max, Math.abs(unit[i]!));
    const scale = max / 127 || 1;
    for (let i = 0; i < this.dims; i++) this.data[base + i] = Math.round(unit[i]! / scale);
    this.scales[row] = scale;
    // the refinement works from the scale as stored (float32), as estimate() reads it
    this.refinement?.write(row, unit, this.data, base, this.scales[row]!);
  }

  /** q·r̃ of an int8 row for a unit query (refinement.ts); int8 slabs other than shadows only. */
  refinedDot(row: number, query: Float32Array): number {
    return this.refinement!.dot(row, query, this.data, row * this.dims, this.scales[row]!);
  }

  /** The most refinedDot() can differ from the exact cosine. */
  refinedBound(row: number): number {
    return this.refinement!.residual(row);
  }

  /** New row i holds old row order[i], for the first `rows` rows. */
  permute(order: Int32Array, rows: number): void {
    permuteRows(this.data, this.dims, order, rows);
    permuteRows(this.scales, 1, order, rows);
    this.refinement?.permute(order, rows);
    this.shadow?.permute(order, rows);
  }

  move(from: number, to: number): void {
    const d = this.dims;
    this.data.copyWithin(to * d, from * d, from * d + d);
    this.scales[to] = this.scales[from]!;
    this.refinement?.move(from, to);
    this.shadow?.move(from, to);
  }

  /**
   * int8 WebAssembly slabs (and the int8 shadow of a float32 one): runs the kernel and returns
   * the raw integer dot products plus the factors that make them scoreAll()'s scores,
   * Math.fround(dots[r] * qScale * scales[r]), so a caller can convert inside its own pass
   * over the rows instead of a second one; null for other slabs. Views are reused per call.
   */
  int8Dots(
    query: Float32Array,
    rows: number,
  ): { dots: Int32Array; qScale: number; scales: Float32Array } | null {
    if (this.shadow) return this.shadow.int8Dots(query, rows);
    const w = this.wasm;
    if (!w || this.precision !== 'int8') return null;
    const qScale = quantize(query, w.q8);
    w.kernel.dotI8x4(w.queryAt, w.dataAt, rows, this.dims, w.outAt);
    return { dots: w.outI32, qScale, scales: this.scales };
  }

  /**
   * int8Dots() for the rows of an IVF probe (ivf.ts): `runs` holds (start, count, list)
   * triples of contiguous rows, then `slots` names `slotCount` more rows one by one. The raw
   * integer dots come out in that order (each run's rows, then the slots), the same values
   * int8Dots() gives those rows. Null where int8Dots() is null or the rows would not fit
   * the output (more than `capacity`). The returned view is reused per call.
   */
  int8DotsOf(
    query: Float32Array,
    runs: Int32Array,
    runCount: number,
    slots: Int32Array,
    slotCount: number,
  ): { dots: Int32Array; qScale: number; scales: Float32Array } | null {
    if (this.shadow) return this.shadow.int8DotsOf(query, runs, runCount, slots, slotCount);
    const w = this.wasm;
    if (!w || this.precision !== 'int8') return null;
    let total = slotCount;
    for (let r = 0; r < runCount; r++) total += runs[3 * r + 1]!;
    if (total > this.capacity) return null;
    const qScale = quantize(query, w.q8);
    let out = w.outAt;
    for (let r = 0; r < runCount; r++) {
      const count = runs[3 * r + 1]!;
      w.kernel.dotI8x4(w.queryAt, w.dataAt + runs[3 * r]! * this.dims, count, this.dims, out);
      out += count * 4;
    }
    // the kernel reads each slot before it writes that entry's dot, so the list is its output
    const at = (out - w.outAt) >> 2;
    w.outI32.set(slots.subarray(0, slotCount), at);
    w.kernel.dotI8At(w.queryAt, w.dataAt, out, slotCount, this.dims, out);
    return { dots: w.outI32, qScale, scales: this.scales };
  }

  /** The int8 codes that int8Dots() scans (this slab's, or its shadow's) and their scales. */
  int8Codes(): { data: Int8Array; scales: Float32Array } | null {
    if (this.shadow) return this.shadow.int8Codes();
    return this.precision === 'int8' ? { data: this.data as Int8Array, scales: this.scales } : null;
  }

  /** Scores of rows [0, rows) against a unit query; the returned view is reused per call. */
  scoreAll(query: Float32Array, rows: number): Float32Array {
    if (this.shadow) return this.shadow.scoreAll(query, rows);
    const out = scratchScores(rows);
    if (this.wasm) {
      const w = this.wasm;
      if (this.precision === 'float32') {
        w.q32.set(query);
        w.kernel.dotF32(w.queryAt, w.dataAt, rows, this.dims, w.outAt);
        out.set(w.outF32.subarray(0, rows));
      } else {
        const { dots, qScale, scales } = this.int8Dots(query, rows)!;
        for (let r = 0; r < rows; r++) out[r] = dots[r]! * qScale * scales[r]!;
      }
      return out;
    }
    const d = this.dims;
    const data = this.data;
    for (let r = 0; r < rows; r++) {
      const base = r * d;
      let s0 = 0;
      let s1 = 0;
      let i = 0;
      for (; i + 1 < d; i += 2) {
        s0 += query[i]! * data[base + i]!;
        s1 += query[i + 1]! * data[base + i + 1]!;
      }
      if (i < d) s0 += query[i]! * data[base + i]!;
      out[r] = (s0 + s1) * this.scales[r]!;
    }
    return out;
  }
}

/** A unit-length copy of the vector (all zeros stays all zeros). */
export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * inv;
  return out;
}

/**
 * One score buffer shared by every slab: a scan consumes scoreAll()'s scores before the next
 * scan starts (all synchronous), so a buffer per partition (4 bytes per row) is not needed.
 */
let scratch = new Float32Array(0);
function scratchScores(rows: number): Float32Array {
  if (scratch.length < rows) scratch = new Float32Array(Math.max(rows, scratch.length * 2, 1024));
  return scratch;
}

function quantize(query: Float32Array, into: Int8Array): number {
  let max = 0;
  for (let i = 0; i < query.length; i++) max = Math.max(max, Math.abs(query[i]!));
  const scale = max / 127 || 1;
  for (let i = 0; i < query.length; i++) into[i] = Math.round(query[i]! / scale);
  return scale;
}
