/**
 * Sure error bounds for int8 rows, so the SQLite store reads few exact vectors from disk.
 * An int8 row r̂ = level·s misses the unit vector u by up to s/2 per dimension; that is
 * too loose to tell which of the scan's candidates can reach the top k (on the bench's
 * corpus every one of the 160 could). Each dimension's leftover error gets a 2-bit code
 * (its quarter of [−s/2, s/2]), giving a refined row r̃ within s/8 per dimension, and the
 * row keeps ‖u − r̃‖. For a unit query q, |q·u − q·r̃| ≤ ‖u − r̃‖ (Cauchy–Schwarz), so
 * dot() ± residual(row) always holds the exact cosine. Costs dims/4 + 4 bytes per row
 * (61 at 228 dims, ~6 MB at 100k) and is read only for the scan's few candidates.
 */

const CODES_PER_BYTE = 4;

export class Refinement {
  /** 2-bit codes, four dimensions per byte, `stride` bytes per row. */
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
    const invQuarter = 4 / scale;
    const base = row * this.stride;
    let sum = 0;
    let packed = 0;
    for (let i = 0; i < dims; i++) {
      const u = unit[i]!;
      const level = levels[levelsAt + i]!;
      // which quarter of [−scale/2, scale/2] the leftover falls in (| 0 truncates; the clamp
      // makes that equal to floor here)
      let code = ((u - level * scale) * invQuarter + 2) | 0;
      if (code < 0) code = 0;
      else if (code > 3) code = 3;
      packed |= code << ((i & 3) << 1);
      if ((i & 3) === 3) {
        codes[base + (i >> 2)] = packed;
        packed = 0;
      }
      const error = u - (level + (code - 1.5) * 0.25) * scale;
      sum += error * error;
    }
    if ((dims & 3) !== 0) codes[base + (dims >> 2)] = packed;
    this.residuals[row] = Math.sqrt(sum);
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

  /** q·r̃ for a unit query: the int8 row plus its 2-bit corrections, times the row scale. */
  dot(row: number, query: Float32Array, levels: ArrayLike<number>, levelsAt: number, scale: number): number {
    const codes = this.codes;
    let at = row * this.stride;
    // r̃_i = (level_i + (code_i − 1.5) / 4) · scale, summed as Σq·level + Σq·code/4 − 0.375·Σq
    let levelSum = 0;
    let codeSum = 0;
    let querySum = 0;
    for (let i = 0; i < this.dims; i += 4, at++) {
      const packed = codes[at]!;
      for (let j = i, shift = 0; j < i + 4 && j < this.dims; j++, shift += 2) {
        const q = query[j]!;
        levelSum += q * levels[levelsAt + j]!;
        codeSum += q * ((packed >> shift) & 3);
        querySum += q;
      }
    }
    return (levelSum + codeSum * 0.25 - querySum * 0.375) * scale;
  }
}
