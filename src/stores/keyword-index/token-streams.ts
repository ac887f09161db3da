/**
 * One partition's document token streams (term ids in order, for phrases and for taking a
 * document back out of its postings) in one shared byte arena, each term id as a LEB128
 * varint (7 bits a byte: ids below 128 take one byte, below 16,384 two, below 2M three),
 * addressed per slot by start (byte offset) and length (token count) columns. The terms
 * interned first are the common ones, so most tokens take one or two bytes instead of the
 * four a Uint32Array spent (bench corpus at 100k: 1.3 bytes a token). Streams are read only
 * off the hot path (phrases and boolean queries, a removal, a saturated tf), decoded into a
 * reused buffer. One typed array per document cost ~170 bytes of V8 object headers before
 * its data. A replaced or removed document's region is dead until the arena compacts (when
 * dead bytes outnumber half the live ones), so a write appends and never shifts other
 * documents.
 */

import { resized } from '../shared/resized.ts';

/** Bytes a term id takes as a varint. */
function varintBytes(term: number): number {
  return term < 0x80 ? 1 : term < 0x4000 ? 2 : term < 0x20_0000 ? 3 : term < 0x1000_0000 ? 4 : 5;
}

export class TokenStreams {
  /** Byte offset of each slot's stream in `data`. */
  private start: Int32Array;
  /** Token count per slot (also BM25's document length); 0 for an empty slot. */
  length: Int32Array;
  private data = new Uint8Array(1024);
  private used = 0;
  private dead = 0;
  /** Decoded stream handed out by get(). */
  private decoded = new Uint32Array(64);

  constructor(slots: number) {
    this.start = new Int32Array(slots);
    this.length = new Int32Array(slots);
  }

  get bytes(): number {
    return this.start.byteLength + this.length.byteLength + this.data.byteLength + this.decoded.byteLength;
  }

  /** Makes the per-slot columns hold `size` slots. */
  resize(size: number): void {
    this.start = resized(this.start, size);
    this.length = resized(this.length, size);
  }

  /** The slot's stream, decoded into a buffer that the next get() overwrites. */
  get(slot: number): Uint32Array {
    const n = this.length[slot]!;
    if (this.decoded.length < n) this.decoded = new Uint32Array(Math.max(n, this.decoded.length * 2));
    const out = this.decoded;
    const data = this.data;
    let at = this.start[slot]!;
    for (let i = 0; i < n; i++) {
      let byte = data[at++]!;
      let value = byte & 0x7f;
      for (let shift = 7; byte >= 0x80; shift += 7) {
        byte = data[at++]!;
        value += (byte & 0x7f) * 2 ** shift;
      }
      out[i] = value;
    }
    return out.subarray(0, n);
  }

  /** Stores the slot's stream; the slot must be empty (released or new). */
  set(slot: number, terms: Uint32Array): void {
    let size = 0;
    for (let i = 0; i < terms.length; i++) size += varintBytes(terms[i]!);
    const live = this.used - this.dead;
    if (this.dead > 16_384 && this.dead * 2 > live) this.compact(size);
    if (this.used + size > this.data.length) {
      this.data = resized(this.data, Math.max(this.used + size, this.data.length + (this.data.length >> 1)));
    }
    const data = this.data;
    let at = this.used;
    for (let i = 0; i < terms.length; i++) {
      let value = terms[i]!;
      while (value >= 0x80) {
        data[at++] = (value & 0x7f) | 0x80;
        value = Math.floor(value / 128);
      }
      data[at++] = value;
    }
    this.start[slot] = this.used;
    this.length[slot] = terms.length;
    this.used = at;
  }

  release(slot: number): void {
    this.dead += this.regionBytes(slot);
    this.length[slot] = 0;
  }

  /** Fits the arena to the live streams exactly (after a bulk build). */
  trim(): void {
    this.compact(0, false);
  }

  /** Bytes of the slot's stream: its token count of varints from its start. */
  private regionBytes(slot: number): number {
    const data = this.data;
    const from = this.start[slot]!;
    let at = from;
    for (let left = this.length[slot]!; left > 0; at++) if (data[at]! < 0x80) left--;
    return at - from;
  }

  /** Rewrites the live streams back to back, in slot order. */
  private compact(extra: number, spare = true): void {
    const live = this.used - this.dead + extra;
    const next = new Uint8Array(Math.max(1024, spare ? live + (live >> 3) : live));
    let at = 0;
    for (let slot = 0; slot < this.length.length; slot++) {
      if (this.length[slot] === 0) continue;
      const from = this.start[slot]!;
      const n = this.regionBytes(slot);
      next.set(this.data.subarray(from, from + n), at);
      this.start[slot] = at;
      at += n;
    }
    this.data = next;
    this.used = at;
    this.dead = 0;
  }
}
