/**
 * One partition's document token streams (term ids in order, for phrases and for taking a
 * document back out of its postings) in one shared Uint32Array, addressed per slot by start
 * and length columns. One typed array per document cost ~170 bytes of V8 object headers
 * before its ~50 bytes of data. A replaced or removed document's region is dead until the
 * arena compacts (when dead entries outnumber half the live ones), so a write appends and
 * never shifts other documents.
 */

import { resized } from '../shared/resized.ts';

export class TokenStreams {
  /** Start of each slot's stream in `data`. */
  private start: Int32Array;
  /** Token count per slot (also BM25's document length); 0 for an empty slot. */
  length: Int32Array;
  private data = new Uint32Array(256);
  private used = 0;
  private dead = 0;

  constructor(slots: number) {
    this.start = new Int32Array(slots);
    this.length = new Int32Array(slots);
  }

  get bytes(): number {
    return this.start.byteLength + this.length.byteLength + this.data.byteLength;
  }

  /** Makes the per-slot columns hold `size` slots. */
  resize(size: number): void {
    this.start = resized(this.start, size);
    this.length = resized(this.length, size);
  }

  /** The slot's stream as a view (valid until the next write). */
  get(slot: number): Uint32Array {
    const from = this.start[slot]!;
    return this.data.subarray(from, from + this.length[slot]!);
  }

  /** Stores the slot's stream; the slot must be empty (released or new). */
  set(slot: number, terms: Uint32Array): void {
    const live = this.used - this.dead;
    if (this.dead > 4096 && this.dead * 2 > live) this.compact(terms.length);
    if (this.used + terms.length > this.data.length) {
      this.data = resized(
        this.data,
        Math.max(this.used + terms.length, this.data.length + (this.data.length >> 1)),
      );
    }
    this.data.set(terms, this.used);
    this.start[slot] = this.used;
    this.length[slot] = terms.length;
    this.used += terms.length;
  }

  release(slot: number): void {
    this.dead += this.length[slot]!;
    this.length[slot] = 0;
  }

  /** Fits the arena to the live streams exactly (after a bulk build). */
  trim(): void {
    this.compact(0, false);
  }

  /** Rewrites the live streams back to back, in slot order. */
  private compact(extra: number, spare = true): void {
    const live = this.used - this.dead + extra;
    const next = new Uint32Array(Math.max(256, spare ? live + (live >> 3) : live));
    let at = 0;
    for (let slot = 0; slot < this.length.length; slot++) {
      const n = this.length[slot]!;
      if (n === 0) continue;
      const from = this.start[slot]!;
      next.set(this.data.subarray(from, from + n), at);
      this.start[slot] = at;
      at += n;
    }
    this.data = next;
    this.used = at;
    this.dead = 0;
  }
}
