/**
 * The in-process vector index of the SQLite store: one Partition per user (a query only
 * ever scans its own user's vectors, which is both the isolation rule and the speed win),
 * exact brute-force dot products over Float32 or Int8 arrays, cheap filters (layers,
 * since/until, superseded, ids) checked inside the scan. Int8 trades exactness for 4x less
 * memory: it returns an oversampled candidate list that the store re-scores with the exact
 * Float32 vectors from disk. Why brute force and not HNSW: see docs/vector-index.md.
 */
import { compileScanFilter } from '../shared/slot-fields.ts';
import type { StoreFilter } from '../types.ts';
import { type Candidate, normalize, Partition, type Precision, type SlotFields } from './partition.ts';

export type { Candidate, Precision, SlotFields };

/** How many candidates Int8 returns per requested result before exact re-scoring. */
export const INT8_OVERSAMPLE = 4;

export class VectorIndex {
  private partitions = new Map<string, Partition>();

  constructor(
    readonly dimensions: number,
    readonly precision: Precision,
  ) {}

  get size(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.size;
    return n;
  }

  upsert(userId: string, id: string, vector: Float32Array, fields: SlotFields): boolean {
    if (vector.length !== this.dimensions) {
      this.remove(userId, id);
      return false;
    }
    let partition = this.partitions.get(userId);
    if (!partition) {
      partition = new Partition(this.dimensions, this.precision);
      this.partitions.set(userId, partition);
    }
    partition.upsert(id, vector, fields);
    return true;
  }

  /** Typed-array memory of all partitions: rows used vs capacity, total and shadow bytes. */
  memoryStats(): { partitions: number; rows: number; capacity: number; bytes: number; shadowBytes: number } {
    const total = { partitions: this.partitions.size, rows: 0, capacity: 0, bytes: 0, shadowBytes: 0 };
    for (const p of this.partitions.values()) {
      const s = p.memoryStats();
      total.rows += s.rows;
      total.capacity += s.capacity;
      total.bytes += s.bytes;
      total.shadowBytes += s.shadowBytes;
    }
    return total;
  }

  updateFields(userId: string, id: string, fields: SlotFields): void {
    this.partitions.get(userId)?.updateFields(id, fields);
  }

  remove(userId: string, id: string): void {
    const partition = this.partitions.get(userId);
    if (!partition) return;
    partition.remove(id);
    if (partition.size === 0) this.partitions.delete(userId);
  }

  removeUser(userId: string): void {
    this.partitions.delete(userId);
  }

  clear(): void {
    this.partitions.clear();
  }

  /**
   * Top-k (Float32: exact) or top-k*INT8_OVERSAMPLE candidates (Int8: estimates with error
   * bounds, see Partition.search and rescoreTopK) for one user. `allowed` restricts to ids
   * that passed filters the index cannot check (metadata); undefined means no such restriction.
   */
  search(filter: StoreFilter, query: Float32Array, k: number, allowed?: Set<string>): Candidate[] {
    const partition = this.partitions.get(filter.userId);
    if (!partition || k <= 0) return [];
    const scan = compileScanFilter(filter, allowed);
    const n = this.precision === 'int8' ? k * INT8_OVERSAMPLE : k;
    return partition.search(normalize(query), Math.min(n, partition.size), scan);
  }
}

/** Slack for float rounding between the bounds (float32 rows) and the exact cosine (float64). */
const BOUND_SLACK = 1e-5;

/**
 * Exact scores for the candidates that can be among the best k, asking `exact` (ids → exact
 * score; an id it leaves out keeps its estimate) for as few as it can: first the k best
 * estimates, then only the others whose upper bound (score + bound) reaches the k-th best
 * score found so far. At least k rows score at or above that, so every row not asked for
 * scores strictly below the k-th: the exact top k of the result (ties included) is that of
 * re-scoring every candidate. On the 100k bench this asks for ~55 rows instead of 160.
 * Returns the rows it scored, unsorted.
 */
export function rescoreTopK(
  candidates: Candidate[],
  k: number,
  exact: (ids: string[]) => Map<string, number>,
): Array<{ id: string; score: number }> {
  if (k <= 0 || candidates.length === 0) return [];
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const score = (rows: Candidate[]) => {
    const found = exact(rows.map((c) => c.id));
    return rows.map((c) => ({ id: c.id, score: found.get(c.id) ?? c.score }));
  };
  const first = score(sorted.slice(0, k));
  if (sorted.length <= k) return first;
  const kth = first.map((r) => r.score).sort((a, b) => b - a)[k - 1]!;
  const rest = sorted.slice(k).filter((c) => c.score + c.bound + BOUND_SLACK >= kth);
  return rest.length > 0 ? first.concat(score(rest)) : first;
}
