/**
 * An inverted-file (IVF) first pass for large partitions: the rows are grouped under the
 * nearest of ~√n centroids (spherical k-means over a sample of the partition's own int8
 * codes), and a search scores the centroids, then only the rows of the best lists, until
 * it holds a set share of the partition (IVF_PROBE_SHARE): at 200k rows the full scan
 * reads 45 MB of codes a query, most of which cannot be in the top k. Below IVF_MIN_ROWS a
 * partition keeps the exact scan, and a search with a selective filter (layers, dates, ids)
 * always does.
 *
 * A list's rows must be contiguous for the kernel to stream them (read one by one, scattered
 * rows cost ~10x more a row: memory latency, not arithmetic), so the partition reorders its
 * rows list by list (compact(): a permutation, no retraining) after a build and whenever
 * the rows out of place pass OVERFLOW_SHARE. Between those, a row is "in place" when the
 * slot it sits in belongs to its own list's run; any other (a new row, one rewritten to
 * another list, the last row moved into a removed one's slot) is kept in its list's
 * overflow and read by slot. A run may hold foreign rows; the scan skips them, as each is
 * also in its own list's overflow. Centroids are retrained when the partition has doubled
 * since they were made. Costs 12 bytes a row plus the centroids.
 */
import { resized } from '../shared/resized.ts';
import { normalize, Slab, WASM_MIN_ROWS } from './slab.ts';

/** Partitions from this many rows get an IVF index. */
export const IVF_MIN_ROWS = 32_768;
/** Lists are probed, best centroid first, until they hold this share of the rows. */
export const IVF_PROBE_SHARE = 0.1;
/** Rows sampled per centroid to train on, and k-means rounds. */
const SAMPLE_PER_LIST = 40;
const TRAIN_ROUNDS = 6;
/** Out-of-place rows (share of all) from which the partition compacts again. */
export const OVERFLOW_SHARE = 1 / 8;

/** Deterministic sample positions: a fixed-seed generator, so a rebuild is reproducible. */
function sampler(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

export class InvertedLists {
  readonly lists: number;
  /** Rows the centroids were trained on; the partition retrains from twice this. */
  readonly trainedRows: number;
  /** Centroids as int8 rows of their own (WebAssembly-sized) slab: scored by the kernel. */
  private readonly centroids: Slab;
  /** Each slot's list. */
  listOf: Int32Array;
  /** Which list's run each slot lies in (-1: none). */
  private owner: Int32Array;
  /** A slot's index in its list's overflow, or -1 when it is in place. */
  private position: Int32Array;
  private readonly runStart: Int32Array;
  private readonly runEnd: Int32Array;
  /** Per list: its rows that are not in place. */
  private readonly members: Int32Array[];
  private readonly counts: Int32Array;
  /** Rows not in place, over all lists. */
  overflowRows = 0;
  private runs = new Int32Array(0);
  private scratch = new Int32Array(0);

  private constructor(
    private readonly dims: number,
    lists: number,
    trainedRows: number,
    capacity: number,
  ) {
    this.lists = lists;
    this.trainedRows = trainedRows;
    this.centroids = new Slab(dims, 'int8', Math.max(lists, WASM_MIN_ROWS), false);
    this.listOf = new Int32Array(capacity);
    this.owner = new Int32Array(capacity).fill(-1);
    this.position = new Int32Array(capacity);
    this.runStart = new Int32Array(lists);
    this.runEnd = new Int32Array(lists);
    this.members = Array.from({ length: lists }, () => new Int32Array(16));
    this.counts = new Int32Array(lists);
  }

  /**
   * Trains centroids on a sample of the first `rows` rows of `slab` and files every row
   * (all out of place until the partition applies compact()).
   */
  static build(slab: Slab, rows: number, capacity: number): InvertedLists | null {
    const codes = slab.int8Codes();
    if (!codes || rows < 2) return null;
    const dims = slab.dims;
    const lists = Math.max(2, Math.round(Math.sqrt(rows)));
    const ivf = new InvertedLists(dims, lists, rows, capacity);
    ivf.train(codes, rows);
    ivf.fileAll(slab, rows);
    return ivf;
  }

  /** Bytes held: centroids, per-row columns and list entries. */
  get bytes(): number {
    let entries = 0;
    for (const list of this.members) entries += list.byteLength;
    const columns = this.listOf.byteLength + this.owner.byteLength + this.position.byteLength;
    return this.centroids.bytes() + columns + entries;
  }

  /** Keeps the per-row columns at the partition's capacity. */
  resize(capacity: number): void {
    const had = this.owner.length;
    this.listOf = resized(this.listOf, capacity);
    this.position = resized(this.position, capacity);
    this.owner = resized(this.owner, capacity);
    if (capacity > had) this.owner.fill(-1, had);
  }

  /** Files a new row (unit vector) under its nearest centroid. */
  add(slot: number, unit: Float32Array): void {
    this.file(slot, this.nearest(unit));
  }

  /** A rewritten row: moves it to the list of its new nearest centroid. */
  update(slot: number, unit: Float32Array): void {
    const list = this.nearest(unit);
    if (list === this.listOf[slot]) return;
    this.drop(slot);
    this.file(slot, list);
  }

  /** Forgets a row. */
  drop(slot: number): void {
    const at = this.position[slot]!;
    if (at < 0) return;
    const list = this.listOf[slot]!;
    const last = --this.counts[list]!;
    this.overflowRows--;
    const members = this.members[list]!;
    if (at !== last) {
      const moved = members[last]!;
      members[at] = moved;
      this.position[moved] = at;
    }
  }

  /** The partition moved row `from` into slot `to` (after dropping `to`'s row). */
  move(from: number, to: number): void {
    const list = this.listOf[from]!;
    this.drop(from);
    this.file(to, list);
  }

  /**
   * Groups the first `rows` slots list by list: returns the order the partition must apply
   * (new slot i takes old slot order[i]) and renumbers its own columns to match, after which
   * every row is in place.
   */
  compact(rows: number): Int32Array {
    const { lists, listOf } = this;
    const starts = new Int32Array(lists + 1);
    for (let slot = 0; slot < rows; slot++) starts[listOf[slot]! + 1]!++;
    for (let l = 0; l < lists; l++) starts[l + 1]! += starts[l]!;
    const next = starts.slice(0, lists);
    const order = new Int32Array(rows);
    for (let slot = 0; slot < rows; slot++) order[next[listOf[slot]!]!++] = slot;
    this.owner.fill(-1);
    for (let l = 0; l < lists; l++) {
      this.runStart[l] = starts[l]!;
      this.runEnd[l] = starts[l + 1]!;
      this.owner.fill(l, starts[l]!, starts[l + 1]!);
      listOf.fill(l, starts[l]!, starts[l + 1]!);
      this.counts[l] = 0;
      this.members[l] = new Int32Array(16);
    }
    this.position.fill(-1, 0, rows);
    this.overflowRows = 0;
    return order;
  }

  /**
   * The rows of the lists nearest the query (unit vector), best list first, until they hold
   * `share` of the `rows` rows: `runs` as (start, count, list) triples (their rows whose
   * list is not `list` are to be skipped), then `slots`, the lists' out-of-place rows. The
   * views are reused per call.
   */
  probe(
    query: Float32Array,
    rows: number,
    share = IVF_PROBE_SHARE,
  ): { runs: Int32Array; runCount: number; slots: Int32Array; slotCount: number } {
    const scores = this.centroids.scoreAll(query, this.lists);
    const order = Array.from({ length: this.lists }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
    const want = Math.ceil(rows * share); // (a share >= 1 probes every list: runs can hold foreign rows)
    if (this.runs.length < 3 * this.lists) this.runs = new Int32Array(3 * this.lists);
    let held = 0;
    let runCount = 0;
    let slotCount = 0;
    for (const list of order) {
      if (held >= want) break;
      const start = this.runStart[list]!;
      const end = Math.min(this.runEnd[list]!, rows);
      if (end > start) {
        this.runs[3 * runCount] = start;
        this.runs[3 * runCount + 1] = end - start;
        this.runs[3 * runCount + 2] = list;
        runCount++;
        held += end - start;
      }
      const n = this.counts[list]!;
      if (n > 0) {
        if (this.scratch.length < slotCount + n)
          this.scratch = resized(this.scratch, Math.max(slotCount + n, this.scratch.length * 2));
        this.scratch.set(this.members[list]!.subarray(0, n), slotCount);
        slotCount += n;
        held += n;
      }
    }
    return { runs: this.runs, runCount, slots: this.scratch, slotCount };
  }

  private file(slot: number, list: number): void {
    this.listOf[slot] = list;
    if (this.owner[slot] === list) {
      this.position[slot] = -1;
      return;
    }
    let members = this.members[list]!;
    const n = this.counts[list]!;
    if (n === members.length) {
      const grown = new Int32Array(Math.ceil(n * 1.5) + 16);
      grown.set(members);
      this.members[list] = members = grown;
    }
    members[n] = slot;
    this.counts[list] = n + 1;
    this.position[slot] = n;
    this.overflowRows++;
  }

  private nearest(unit: Float32Array): number {
    const scores = this.centroids.scoreAll(unit, this.lists);
    let best = 0;
    for (let c = 1; c < this.lists; c++) if (scores[c]! > scores[best]!) best = c;
    return best;
  }

  /**
   * Spherical k-means on a sample: centroids start as distinct sampled rows; each round
   * files every sampled row under its best centroid (scored by the kernel, one centroid
   * against the whole sample at a time) and moves each centroid to the normalized mean of
   * its rows; an emptied centroid restarts from a random sampled row.
   */
  private train(codes: { data: Int8Array; scales: Float32Array }, rows: number): void {
    const { dims, lists } = this;
    const size = Math.min(rows, Math.max(lists * SAMPLE_PER_LIST, WASM_MIN_ROWS));
    const random = sampler(rows);
    const picked = pickDistinct(rows, size, random);
    const sample = new Slab(dims, 'int8', size, false);
    const sampleCodes = sample.int8Codes()!;
    picked.forEach((row, i) => {
      sampleCodes.data.set(codes.data.subarray(row * dims, row * dims + dims), i * dims);
      sampleCodes.scales[i] = codes.scales[row]!;
    });
    const unit = new Float32Array(dims);
    const decode = (i: number) => {
      for (let d = 0; d < dims; d++) unit[d] = sampleCodes.data[i * dims + d]! * sampleCodes.scales[i]!;
      return unit;
    };
    const seeds = pickDistinct(size, lists, random);
    for (let c = 0; c < lists; c++) this.centroids.write(c, normalize(decode(seeds[c]!)));
    const assigned = new Int32Array(size);
    const sums = new Float64Array(lists * dims);
    const sizes = new Int32Array(lists);
    for (let round = 0; round < TRAIN_ROUNDS; round++) {
      bestCentroids(this.centroids, lists, sample, size, assigned);
      sums.fill(0);
      sizes.fill(0);
      for (let i = 0; i < size; i++) {
        const c = assigned[i]!;
        sizes[c]!++;
        const scale = sampleCodes.scales[i]!;
        for (let d = 0; d < dims; d++) sums[c * dims + d]! += sampleCodes.data[i * dims + d]! * scale;
      }
      for (let c = 0; c < lists; c++) {
        if (sizes[c] === 0) {
          this.centroids.write(c, normalize(decode(Math.floor(random() * size))));
          continue;
        }
        for (let d = 0; d < dims; d++) unit[d] = sums[c * dims + d]!;
        this.centroids.write(c, normalize(unit));
      }
    }
  }

  /** Files rows [0, rows) of `slab` under their best centroids. */
  private fileAll(slab: Slab, rows: number): void {
    const assigned = new Int32Array(rows);
    bestCentroids(this.centroids, this.lists, slab, rows, assigned);
    for (let slot = 0; slot < rows; slot++) this.file(slot, assigned[slot]!);
  }
}

/**
 * For each of `rows` rows of `target`, the centroid with the highest dot product: one kernel
 * pass over all rows per centroid (the rows' own scales do not change which centroid wins).
 */
function bestCentroids(centroids: Slab, lists: number, target: Slab, rows: number, out: Int32Array): void {
  const best = new Float32Array(rows).fill(Number.NEGATIVE_INFINITY);
  const codes = centroids.int8Codes()!;
  const centroid = new Float32Array(centroids.dims);
  const dims = centroids.dims;
  for (let c = 0; c < lists; c++) {
    for (let d = 0; d < dims; d++) centroid[d] = codes.data[c * dims + d]! * codes.scales[c]!;
    const dots = target.int8Dots(centroid, rows);
    if (dots) {
      const { dots: raw, qScale } = dots;
      for (let r = 0; r < rows; r++) {
        const score = raw[r]! * qScale;
        if (score > best[r]!) {
          best[r] = score;
          out[r] = c;
        }
      }
      continue;
    }
    // plain slabs: scores carry each row's positive scale, which does not change its best
    const scores = target.scoreAll(centroid, rows);
    for (let r = 0; r < rows; r++) {
      if (scores[r]! > best[r]!) {
        best[r] = scores[r]!;
        out[r] = c;
      }
    }
  }
}

/** `count` distinct integers from [0, n), in increasing order. */
function pickDistinct(n: number, count: number, random: () => number): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const chosen = new Uint8Array(n);
  let left = count;
  while (left > 0) {
    const i = Math.floor(random() * n);
    if (chosen[i]) continue;
    chosen[i] = 1;
    left--;
  }
  const out = new Int32Array(count);
  let at = 0;
  for (let i = 0; i < n; i++) if (chosen[i]) out[at++] = i;
  return out;
}
