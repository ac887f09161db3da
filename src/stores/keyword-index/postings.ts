/**
 * One partition's postings: every term's list of (slot, term frequency) lives in one shared
 * pair of typed arrays (an arena), addressed by per-list start / length / capacity columns,
 * with a hash from term id to list number (int-map.ts). The first version kept one JS object
 * and two small Int32Arrays per term per user; at 100k documents that was ~130k objects and
 * ~260k typed arrays, and V8 spends ~170 bytes of headers (JSTypedArray + JSArrayBuffer) on
 * each typed array before its data: ~65 MB of the index's ~100 MB of heap. Here a term costs
 * ~12 bytes of hash cell plus 15 bytes of columns (start / length / capacity, and the
 * largest tf and shortest document that bound the term's BM25 score), and a posting 5
 * bytes. A list holding a fifth or more of the slots also keeps a tf per slot (`dense`), so
 * flat-OR scoring can look a few documents up in it instead of walking the list.
 *
 * A list that outgrows its region moves to the arena's end (or grows in place when it is
 * already last); the abandoned region counts as dead, and once dead entries outnumber half
 * the live ones the next move compacts the arena. Term frequencies are bytes; 255 means
 * "255 or more", and the caller counts the exact value from the document's token stream
 * (only very long documents repeat a term that often).
 */

import { IntMap } from '../shared/int-map.ts';
import { resized } from '../shared/resized.ts';

export const TF_SATURATED = 255;
const MAX_LENGTH = 65_535;
/**
 * A list gets a dense tf column once it holds at least 1/DENSE_RATIO of the slots (and
 * DENSE_MIN entries): then the column is no larger than the list's own 5 bytes a posting.
 * Measured on the 200k bench user (docs/performance.md, "Heavy-user search, pass 2").
 */
export const DENSE_RATIO = 5;
export const DENSE_MIN = 4096;

export class PostingLists {
  /** `denseMin`: the fewest entries a list has before it gets a dense column (tests lower it). */
  constructor(private readonly denseMin = DENSE_MIN) {}

  /** Term id → list number (its index into the columns below). */
  private readonly listOf = new IntMap();
  private readonly freeLists: number[] = [];
  private lists = 0;
  start = new Int32Array(16);
  len = new Int32Array(16);
  private cap = new Int32Array(16);
  /**
   * Per list, the largest stored tf and the shortest document length (saturated at 65,535)
   * among the documents ever added to it: BM25's per-term score bound for flat-OR scoring
   * (flat-or.ts). A removal leaves them as they are, which keeps them bounds (looser ones).
   */
  maxTf = new Uint8Array(16);
  minLength = new Uint16Array(16);
  /** Arena: slots and (byte-saturated) term frequencies, regions addressed by start/cap. */
  slots = new Int32Array(64);
  tfs = new Uint8Array(64);
  private used = 0;
  private dead = 0;
  /**
   * Per list, null or a tf per slot (0: not in the list) for lists holding a large share of
   * the slots, so flat-OR scoring can look up a few thousand surviving documents' tf instead
   * of walking a list of 100k+ postings (flat-or.ts). Kept up to date by add and drop.
   */
  dense: Array<Uint8Array | null> = [];
  private denseBytes = 0;
  /** One past the highest slot ever added: the dense columns' span. */
  private slotLimit = 0;
  /** Changes whenever a term gains its first or loses its last posting. */
  termsVersion = 0;

  /** Number of terms with at least one posting. */
  get size(): number {
    return this.listOf.size;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return (
      this.listOf.bytes +
      this.start.byteLength +
      this.len.byteLength +
      this.cap.byteLength +
      this.maxTf.byteLength +
      this.minLength.byteLength +
      this.denseBytes +
      this.slots.byteLength +
      this.tfs.byteLength
    );
  }

  /** The term's list number, or -1 when no document holds it. */
  list(term: number): number {
    return this.listOf.get(term);
  }

  /** Document frequency. */
  df(term: number): number {
    const list = this.listOf.get(term);
    return list < 0 ? 0 : this.len[list]!;
  }

  forEachTerm(fn: (term: number) => void): void {
    this.listOf.forEachKey(fn);
  }

  /** Adds the slot, a document of `length` tokens holding the term `tf` times. */
  add(term: number, slot: number, tf: number, length: number): void {
    let list = this.listOf.get(term);
    if (list < 0) {
      list = this.freeLists.pop() ?? this.newList();
      this.listOf.set(term, list);
      this.termsVersion += 1;
      this.maxTf[list] = 0;
      this.minLength[list] = MAX_LENGTH;
    }
    const n = this.len[list]!;
    const stored = Math.min(tf, TF_SATURATED);
    if (stored > this.maxTf[list]!) this.maxTf[list] = stored;
    if (length < this.minLength[list]!) this.minLength[list] = length;
    if (n === this.cap[list]) this.regrow(list, n < 2 ? n + 1 : n + (n >> 1));
    const at = this.start[list]! + n;
    this.slots[at] = slot;
    this.tfs[at] = stored;
    this.len[list] = n + 1;
    if (slot >= this.slotLimit) this.slotLimit = slot + 1;
    const dense = this.dense[list];
    if (dense) {
      if (slot >= dense.length) this.growDense(list, slot + 1)[slot] = stored;
      else dense[slot] = stored;
    } else if (n + 1 >= this.denseMin && (n + 1) * DENSE_RATIO >= this.slotLimit) {
      this.makeDense(list);
    }
  }

  /** Removes the slot from the term's list (swap with the last entry). */
  drop(term: number, slot: number): void {
    const list = this.listOf.get(term);
    if (list < 0) return;
    const s = this.start[list]!;
    const last = s + this.len[list]! - 1;
    let at = s;
    while (at <= last && this.slots[at] !== slot) at++;
    if (at > last) return;
    this.slots[at] = this.slots[last]!;
    this.tfs[at] = this.tfs[last]!;
    this.len[list] = last - s;
    const dense = this.dense[list];
    if (dense) dense[slot] = 0;
    if (last > s) return;
    if (dense) {
      this.denseBytes -= dense.byteLength;
      this.dense[list] = null;
    }
    this.dead += this.cap[list]!;
    this.cap[list] = 0;
    this.listOf.delete(term);
    this.freeLists.push(list);
    this.termsVersion += 1;
  }

  /** The list's dense tf column, built from its entries. */
  private makeDense(list: number): void {
    const dense = new Uint8Array(this.slotLimit + (this.slotLimit >> 3));
    const from = this.start[list]!;
    for (let i = from; i < from + this.len[list]!; i++) dense[this.slots[i]!] = this.tfs[i]!;
    this.dense[list] = dense;
    this.denseBytes += dense.byteLength;
  }

  private growDense(list: number, size: number): Uint8Array {
    const old = this.dense[list]!;
    const dense = resized(old, Math.max(size, old.length + (old.length >> 2)));
    this.dense[list] = dense;
    this.denseBytes += dense.byteLength - old.byteLength;
    return dense;
  }

  private newList(): number {
    const list = this.lists++;
    if (list === this.start.length) {
      const size = list + (list >> 1);
      this.start = resized(this.start, size);
      this.len = resized(this.len, size);
      this.cap = resized(this.cap, size);
      this.maxTf = resized(this.maxTf, size);
      this.minLength = resized(this.minLength, size);
    }
    return list;
  }

  /** Gives the list room for `want` entries, keeping its entries. */
  private regrow(list: number, want: number): void {
    const live = this.used - this.dead;
    if (this.dead > 1024 && this.dead * 2 > live) this.compact(want);
    const cap = this.cap[list]!;
    const from = this.start[list]!;
    const last = cap > 0 && from + cap === this.used;
    const size = this.used + (last ? want - cap : want);
    if (size > this.slots.length) {
      const grown = Math.max(size, this.slots.length + (this.slots.length >> 1));
      this.slots = resized(this.slots, grown);
      this.tfs = resized(this.tfs, grown);
    }
    if (!last) {
      const n = this.len[list]!;
      this.slots.copyWithin(this.used, from, from + n);
      this.tfs.copyWithin(this.used, from, from + n);
      this.dead += cap;
      this.start[list] = this.used;
    }
    this.used = this.start[list]! + want;
    this.cap[list] = want;
  }

  /**
   * Fits the arena and columns to the live lists exactly, for an index that was just built
   * in bulk (the next append to a list then moves it, as any full list does).
   */
  trim(): void {
    this.compact(0, 0);
    const lists = Math.max(this.lists, 16);
    this.start = resized(this.start, lists);
    this.len = resized(this.len, lists);
    this.cap = resized(this.cap, lists);
    this.maxTf = resized(this.maxTf, lists);
    this.minLength = resized(this.minLength, lists);
  }

  /** Rewrites the live lists back to back, each keeping len >> spareShift spare room. */
  private compact(extra: number, spareShift = 3): void {
    const spare = (n: number) => (spareShift > 0 ? n >> spareShift : 0);
    let total = extra;
    for (let list = 0; list < this.lists; list++) total += this.len[list]! + spare(this.len[list]!);
    const size = Math.max(total + spare(total), 64);
    const slots = new Int32Array(size);
    const tfs = new Uint8Array(size);
    let at = 0;
    for (let list = 0; list < this.lists; list++) {
      if (this.len[list] === 0) continue;
      const from = this.start[list]!;
      const n = this.len[list]!;
      slots.set(this.slots.subarray(from, from + n), at);
      tfs.set(this.tfs.subarray(from, from + n), at);
      this.start[list] = at;
      this.cap[list] = n + spare(n);
      at += this.cap[list]!;
    }
    this.slots = slots;
    this.tfs = tfs;
    this.used = at;
    this.dead = 0;
  }
}
