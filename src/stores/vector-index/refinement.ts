/**
 * Sure error bounds for int8 rows, so the SQLite store reads few exact vectors from disk.
 * An int8 row r̂ = level·s misses the unit vector u by up to s/2 per dimension; that is
 * too loose to tell which of the scan's candidates can reach the top k (on the bench's
 * corpus the store would still read 134 of 160). Each dimension's leftover error gets one
 * bit (which half of [−s/2, s/2] it falls in), giving a refined row r̃ within s/4 per
 * dimension, and the row keeps ‖u − r̃‖. For a unit query q, |q·u − q·r̃| ≤ ‖u − r̃‖
 * (Cauchy–Schwarz), so dot() ± residual(row) always holds the exact cosine. Costs dims/8 + 4
 * bytes per row (33 at 228 dims, ~3.3 MB at 100k) and is read only for the scan's few
 * candidates. Two bits per dimension (61 bytes at 228 dims) left 57 reads of 160 instead of
 * 79 (20k bench sentences; 88 vs 135 for a 200k-row user: docs/performance.md, "footprint
 * pass 3"); one bit keeps much of that for half the memory.
 */

import { permuteRows } from '../shared/resized.ts';

const CODES_PER_BYTE = 8;

export class Refinement {
  /** 1-bit codes, eight dimensions per byte, `stride` bytes per row. */
  private readonly codes: Uint8Array;
  /** ‖u − r̃‖ per row. */
  private readonly residuals: Float32Array;
  private readonly stride: number;

  constructor(
    private readonly dims: number,
    capacity: number,
  ) {
    this.stride = Math.ceil(dims / CODES_PER_BYTE);
    this.codes = new Uint8Array(capacity * this.stride);
    this.residuals = new Float32Array(capacity);
  }

  get bytes(): number {
    return this.codes.byteLength + this.residuals.byteLength;
  }

  /** Copies the first `rows` rows of another refinement (same dims) into this one. */
  copyRows(from: Refinement, rows: number): void {
    this.codes.set(from.codes.subarray(0, rows * this.stride));
    this.residuals.set(from.residuals.subarray(0, rows));
  }

  /** Records a row from its unit vector and the int8 levels and scale it was stored with. */
  write(row: number, unit: Float32Array, levels: ArrayLike<number>, levelsAt: number, scale: number): void {
    const { dims, codes } = this;
    const base = row * this.stride;
    let sum = 0;
    let packed = 0;
    for (let i = 0; i < dims; i++) {
      const u = unit[i]!;
      const level = levels[levelsAt + i]!;
      // the upper half of [−scale/2, scale/2] gets bit 1: r̃ = (level ± 1/4) · scale
      const bit = u >= level * scale ? 1 : 0;
      packed |= bit << (i & 7);
      if ((i & 7) === 7) {
        codes[base + (i >> 3)] = packed;
        packed = 0;
      }
      const error = u - (level + (bit - 0.5) * 0.5) * scale;
      sum += error * error;
    }
    if ((dims & 7) !== 0) codes[base + (dims >> 3)] = packed;
    this.residuals[row] = Math.sqrt(sum);
  }

  /** New row i holds old row order[i], for the first `rows` rows. */
  permute(order: Int32Array, rows: number): void {
    permuteRows(this.codes, this.stride, order, rows);
    permuteRows(this.residuals, 1, order, rows);
  }

  move(from: number, to: number): void {
    const s = this.stride;
    this.codes.copyWithin(to * s, from * s, from * s + s);
    this.residuals[to] = this.residuals[from]!;
  }

  /** ‖u − r̃‖ of a row: the most q·r̃ can differ from the exact cosine for a unit query. */
  residual(row: number): number {
    return this.residuals[row]!;
  }

  /** q·r̃ for a unit query: the int8 row plus its 1-bit corrections, times the row scale. */
  dot(row: number, query: Float32Array, levels: ArrayLike<number>, levelsAt: number, scale: number): number {
    const codes = this.codes;
    let at = row * this.stride;
    // r̃_i = (level_i + (bit_i − 0.5) / 2) · scale, summed as Σq·level + Σ_{bit=1} q / 2 − Σq / 4
    let levelSum = 0;
    let upperSum = 0;
    let querySum = 0;
    for (let i = 0; i < this.dims; i += 8, at++) {
      const packed = codes[at]!;
      for (let j = i, shift = 0; j < i + 8 && j < this.dims; j++, shift++) {
        const q = query[j]!;
        levelSum += q * levels[levelsAt + j]!;
        if ((packed >> shift) & 1) upperSum += q;
        querySum += q;
      }
    }
    return (levelSum + upperSum * 0.5 - querySum * 0.25) * scale;
  }
}
