/**
 * One user's slice of the vector index: vectors in a growable Slab (Float32, or Int8 with a
 * per-vector scale) plus the per-row fields the common filters need (layer, createdAt,
 * superseded), so a filtered search is one scoring pass and one filter/top-k pass with no
 * database round-trip. Removal swaps the last row into the hole, keeping rows dense.
 * Vectors are stored unit-normalized, so cosine similarity is a dot product.
 */
import { IdSlots } from '../shared/id-slots.ts';
import { LAYER_CODE, type ScanFilter, SlotColumns, type SlotFields } from '../shared/slot-fields.ts';
import { InvertedLists, IVF_MIN_ROWS, OVERFLOW_SHARE } from './ivf.ts';
import { normalize, type Precision, Slab, WASM_MIN_ROWS } from './slab.ts';

export type { Precision, ScanFilter, SlotFields };
export { LAYER_CODE, normalize };

/** Partitions at least this large grow by 1.125x (1.25x from WASM_MIN_ROWS) instead of doubling. */
export const GROWTH_SLOW_ROWS = 32;

/** Candidates per requested result when a large float32 partition scans its int8 shadow. */
export const SHADOW_OVERSAMPLE = 8;

/** A search hit: the exact cosine lies within score ± bound (bound 0: score is exact). */
export interface Candidate {
  id: string;
  score: number;
  bound: number;
}

export class Partition {
  size = 0;
  private slab: Slab;
  private ids: string[] = [];
  private fields = new SlotColumns();
  private slots = new IdSlots(this.ids);
  /** The IVF first pass, from IVF_MIN_ROWS rows on (ivf.ts); null below. */
  private ivf: InvertedLists | null = null;

  constructor(dims: number, precision: Precision) {
    this.slab = new Slab(dims, precision, 0);
  }

  private grow(): void {
    // Doubling while tiny; from GROWTH_SLOW_ROWS on, 1.125x below WASM_MIN_ROWS and 1.25x
    // above, so a partition carries at most an eighth (a quarter) spare rows instead of up to
    // 100% (a 20k partition: ~20.4k slots instead of 32,768; a user of 160 rows: 176 slots
    // instead of 256, and at 1M memories most rows are in such users). Below WASM_MIN_ROWS
    // the rows are plain typed arrays from malloc, spare slots resident; a WebAssembly
    // memory grows in place (slab.ts) and its untouched pages are not resident. Copies stay
    // amortized O(1) per insert (~9 row copies per row below 1,024 rows, ~5 above).
    const current = this.slab.capacity;
    const step = current < WASM_MIN_ROWS ? 1.125 : 1.25;
    const capacity =
      current < GROWTH_SLOW_ROWS ? Math.max(16, current * 2) : Math.ceil((current * step) / 16) * 16;
    this.slab = this.slab.grown(capacity, this.size);
    this.fields.resize(capacity);
    this.ivf?.resize(capacity);
  }

  upsert(id: string, vector: Float32Array, fields: SlotFields): void {
    let slot = this.slots.get(id);
    const added = slot === undefined;
    if (slot === undefined) {
      if (this.size === this.slab.capacity) this.grow();
      slot = this.size++;
      this.ids[slot] = id;
      this.slots.set(id, slot);
    }
    const unit = normalize(vector);
    this.slab.write(slot, unit);
    this.fields.set(slot, fields);
    if (this.size >= IVF_MIN_ROWS && (!this.ivf || this.size >= 2 * this.ivf.trainedRows)) {
      // (re)trained from every row, this one included
      this.ivf = InvertedLists.build(this.slab, this.size, this.slab.capacity);
      this.compact();
    } else if (this.ivf) {
      if (added) this.ivf.add(slot, unit);
      else this.ivf.update(slot, unit);
      if (this.ivf.overflowRows > this.size * OVERFLOW_SHARE) this.compact();
    }
  }

  /** Reorders the rows list by list (ivf.ts): vectors, fields, ids and the id → slot map. */
  private compact(): void {
    if (!this.ivf) return;
    const order = this.ivf.compact(this.size);
    this.slab.permute(order, this.size);
    this.fields.permute(order, this.size);
    const old = this.ids.slice(0, this.size);
    this.slots = new IdSlots(this.ids);
    for (let slot = 0; slot < this.size; slot++) {
      const id = old[order[slot]!]!;
      this.ids[slot] = id;
      this.slots.set(id, slot);
    }
  }

  updateFields(id: string, fields: SlotFields): void {
    const slot = this.slots.get(id);
    if (slot !== undefined) this.fields.set(slot, fields);
  }

  remove(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    const last = this.size - 1;
    // IdSlots confirms a mapping against ids[slot]: unmap each id while its entry holds it
    this.slots.delete(id);
    this.ivf?.drop(slot);
    if (slot !== last) {
      this.ivf?.move(last, slot);
      const lastId = this.ids[last]!;
      this.slots.delete(lastId);
      this.slab.move(last, slot);
      this.fields.copy(last, slot);
      this.ids[slot] = lastId;
      this.slots.set(lastId, slot);
    }
    this.ids.length = last;
    this.size = last;
    // a partition shrunk to a quarter of what its lists were trained on scans exactly again
    if (this.ivf && this.size < Math.min(IVF_MIN_ROWS, this.ivf.trainedRows / 4)) this.ivf = null;
  }

  /** Capacity and byte counts of this partition's typed arrays (for memory accounting). */
  memoryStats(): { rows: number; capacity: number; bytes: number; shadowBytes: number } {
    return {
      rows: this.size,
      capacity: this.slab.capacity,
      bytes: this.slab.bytes() + this.fields.bytes + (this.ivf?.bytes ?? 0),
      shadowBytes: this.slab.shadowBytes(),
    };
  }

  /**
   * Top-n by score among rows passing the filter; query must be unit length. Float32: exact
   * scores, `bound` 0. Int8: the n rows with the best int8 scores (query quantized too), each
   * then re-estimated from its refined row (q·r̃, best first) with `bound` such that the
   * exact cosine lies within score ± bound (refinement.ts).
   */
  search(query: Float32Array, n: number, filter: ScanFilter): Candidate[] {
    if (this.slab.precision === 'int8') {
      const rows = this.scan(query, n, filter);
      const { slab, ids } = this;
      const out = rows.map(({ slot }) => ({
        id: ids[slot]!,
        score: slab.refinedDot(slot, query),
        bound: slab.refinedBound(slot),
      }));
      return out.sort((a, b) => b.score - a.score);
    }
    if (!this.slab.approximate) return this.withIds(this.scan(query, n, filter));
    // int8 shadow scan for candidates, then exact float32 re-score of those few rows
    const candidates = this.scan(query, Math.max(n * SHADOW_OVERSAMPLE, 64), filter);
    for (const c of candidates) c.score = this.slab.exactDot(c.slot, query);
    return this.withIds(candidates.sort((a, b) => b.score - a.score).slice(0, n));
  }

  private withIds(rows: Array<{ slot: number; score: number }>): Candidate[] {
    return rows.map(({ slot, score }) => ({ id: this.ids[slot]!, score, bound: 0 }));
  }

  /**
   * The IVF pass (ivf.ts): the top n among the rows of the lists nearest the query. Null
   * (scan every row) without lists, for a filter that can reject most rows (layers, dates,
   * ids: the nearest lists might hold none of its rows), or when fewer than n probed rows
   * pass.
   */
  private probe(
    query: Float32Array,
    n: number,
    filter: ScanFilter,
  ): Array<{ slot: number; score: number }> | null {
    const { ivf, fields, ids } = this;
    if (
      !ivf ||
      filter.layers ||
      filter.allowed ||
      filter.sinceMs !== undefined ||
      filter.untilMs !== undefined
    )
      return null;
    const { runs, runCount, slots, slotCount } = ivf.probe(query, this.size);
    const int8 = this.slab.int8DotsOf(query, runs, runCount, slots, slotCount);
    if (!int8) return null;
    const { dots, qScale, scales } = int8;
    const listOf = ivf.listOf;
    const heap = new TopHeap(n);
    let worst = Number.NEGATIVE_INFINITY;
    let at = 0;
    for (let r = 0; r < runCount; r++) {
      const start = runs[3 * r]!;
      const end = start + runs[3 * r + 1]!;
      const list = runs[3 * r + 2]!;
      for (let slot = start; slot < end; slot++, at++) {
        const score = Math.fround(dots[at]! * qScale * scales[slot]!);
        // a foreign row in this run is scored with its own list's overflow
        if (score <= worst || listOf[slot] !== list || !fields.passes(slot, ids[slot]!, filter)) continue;
        heap.push(score, slot);
        if (heap.full) worst = heap.worst;
      }
    }
    for (let i = 0; i < slotCount; i++, at++) {
      const slot = slots[i]!;
      const score = Math.fround(dots[at]! * qScale * scales[slot]!);
      if (score <= worst || !fields.passes(slot, ids[slot]!, filter)) continue;
      heap.push(score, slot);
      if (heap.full) worst = heap.worst;
    }
    return heap.full ? heap.drain() : null;
  }

  private scan(query: Float32Array, n: number, filter: ScanFilter): Array<{ slot: number; score: number }> {
    if (n <= 0 || this.size === 0) return [];
    // Top-n as a binary min-heap whose root is the worst kept row (lowest score, then the
    // highest slot): O(log n) per accepted row. An insertion-sorted array was O(n) per row,
    // which dominated recall once the int8 shadow asked for n = 8 x 120 candidates.
    const probed = this.probe(query, n, filter);
    if (probed) return probed;
    const heap = new TopHeap(n);
    const { fields, ids, size } = this;
    const int8 = this.slab.int8Dots(query, size);
    if (int8) {
      // the same float32 scores scoreAll() would write, computed in this one pass over the
      // rows (a separate conversion pass cost ~0.3 ms of a 100k scan)
      const { dots, qScale, scales } = int8;
      // the root's score kept in a local: -Infinity (reject nothing) until the heap is full
      let worst = Number.NEGATIVE_INFINITY;
      for (let slot = 0; slot < size; slot++) {
        const score = Math.fround(dots[slot]! * qScale * scales[slot]!);
        if (score <= worst || !fields.passes(slot, ids[slot]!, filter)) continue;
        heap.push(score, slot);
        if (heap.full) worst = heap.worst;
      }
      return heap.drain();
    }
    const scores = this.slab.scoreAll(query, size);
    for (let slot = 0; slot < size; slot++) {
      const score = scores[slot]!;
      // Rows arrive in slot order, so a tie with the root loses (the earlier slot wins).
      if (heap.full && score <= heap.worst) continue;
      if (fields.passes(slot, ids[slot]!, filter)) heap.push(score, slot);
    }
    return heap.drain();
  }
}

/** Fixed-capacity min-heap of (score, slot); "worse" = lower score, or equal score and higher slot. */
class TopHeap {
  private readonly scores: Float64Array;
  private readonly slots: Int32Array;
  size = 0;

  constructor(private readonly capacity: number) {
    this.scores = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
  }

  get full(): boolean {
    return this.size === this.capacity;
  }

  get worst(): number {
    return this.scores[0]!;
  }

  private worse(i: number, j: number): boolean {
    const a = this.scores[i]!;
    const b = this.scores[j]!;
    return a < b || (a === b && this.slots[i]! > this.slots[j]!);
  }

  private swap(i: number, j: number): void {
    const s = this.scores[i]!;
    this.scores[i] = this.scores[j]!;
    this.scores[j] = s;
    const t = this.slots[i]!;
    this.slots[i] = this.slots[j]!;
    this.slots[j] = t;
  }

  /** Adds a row; when full, the caller has checked that it beats the root, which it replaces. */
  push(score: number, slot: number): void {
    if (this.size < this.capacity) {
      let i = this.size++;
      this.scores[i] = score;
      this.slots[i] = slot;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.worse(i, parent)) break;
        this.swap(i, parent);
        i = parent;
      }
      return;
    }
    this.scores[0] = score;
    this.slots[0] = slot;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < this.size && this.worse(left, least)) least = left;
      if (right < this.size && this.worse(right, least)) least = right;
      if (least === i) break;
      this.swap(i, least);
      i = least;
    }
  }

  /** Best first: score descending, then slot ascending. */
  drain(): Array<{ slot: number; score: number }> {
    const out: Array<{ slot: number; score: number }> = [];
    for (let i = 0; i < this.size; i++) out.push({ slot: this.slots[i]!, score: this.scores[i]! });
    return out.sort((a, b) => b.score - a.score || a.slot - b.slot);
  }
}
