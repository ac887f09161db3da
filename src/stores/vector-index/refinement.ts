/**
 * Sure error bounds for int8 rows, so the SQLite store reads few exact vectors from disk.
 * An int8 row r̂ = level·s misses the unit vector u by up to s/2 per dimension; the row
 * keeps ‖u − r̂‖, and for a unit query q, |q·u − q·r̂| ≤ ‖u − r̂‖ (Cauchy–Schwarz), so
 * dot() ± residual(row) always holds the exact cosine. dot() uses the float query (the
 * scan quantizes the query too, which adds an error this bound would not cover). Costs 4
 * bytes per row and is read only for the scan's few candidates.
 *
 * An earlier version also kept a 2-bit code per dimension (the leftover's quarter of
 * [−s/2, s/2]), tightening the bound about 4x for dims/4 more bytes per row (61 B at 228
 * dims). On the bench corpus the store then read 17.5 of 40 candidates per top-10 search;
 * with the residual alone it reads a few more (docs/vector-index.md), for 57 fewer resident
 * bytes per memory.
 */

export class Refinement {
  /** ‖u − r̂‖ per row. */
  private readonly residuals: Float32Array;

  constructor(
    private readonly dims: number,
    capacity: number,
  ) {
    this.residuals = new Float32Array(capacity);
  }

  get bytes(): number {
    return this.residuals.byteLength;
  }

  /** Copies the first `rows` rows of another refinement (same dims) into this one. */
  copyRows(from: Refinement, rows: number): void {
    this.residuals.set(from.residuals.subarray(0, rows));
  }

  /** Records a row from its unit vector and the int8 levels and scale it was stored with. */
  write(row: number, unit: Float32Array, levels: ArrayLike<number>, levelsAt: number, scale: number): void {
    let sum = 0;
    for (let i = 0; i < this.dims; i++) {
      const error = unit[i]! - levels[levelsAt + i]! * scale;
      sum += error * error;
    }
    this.residuals[row] = Math.sqrt(sum);
  }

  move(from: number, to: number): void {
    this.residuals[to] = this.residuals[from]!;
  }

  /** ‖u − r̂‖ of a row: the most dot() can differ from the exact cosine for a unit query. */
  residual(row: number): number {
    return this.residuals[row]!;
  }

  /** q·r̂ for a unit query: the int8 row times its scale, against the float query. */
  dot(row: number, query: Float32Array, levels: ArrayLike<number>, levelsAt: number, scale: number): number {
    void row;
    let s0 = 0;
    let s1 = 0;
    let i = 0;
    for (; i + 1 < this.dims; i += 2) {
      s0 += query[i]! * levels[levelsAt + i]!;
      s1 += query[i + 1]! * levels[levelsAt + i + 1]!;
    }
    if (i < this.dims) s0 += query[i]! * levels[levelsAt + i]!;
    return (s0 + s1) * scale;
  }
}
