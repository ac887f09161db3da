/**
 * The keyword index's interned terms: term string ↔ dense id, for all users. Every term's
 * UTF-16 code units sit back to back in one Uint16Array, with per-id offsets and hashes and
 * an open-addressing table of ids, so a term costs ~20 bytes instead of a JS string plus a
 * Map entry plus an array cell (~65 bytes at 100k terms, most of them unique to one
 * document under a Zipf vocabulary). Names are materialized only when asked for, by prefix
 * and fuzzy expansion over a user's vocabulary, and then kept. Terms are never removed (ids stay valid in the
 * partitions' streams and postings); a term no document holds any more just costs its bytes.
 */

import { hashString as hashOf } from '../shared/int-map.ts';
import { resized } from '../shared/resized.ts';

export class TermDictionary {
  private chars = new Uint16Array(1024);
  private charsUsed = 0;
  /** Term id's first code unit in `chars`; offsets[id + 1] ends it. */
  private offsets = new Int32Array(256);
  private hashes = new Int32Array(256);
  /** Cells of id + 1 (0 = empty), linear probing; at most 70% full. */
  private table = new Int32Array(512);
  /**
   * Names already materialized (a term's text never changes, so they never go stale); made
   * on the first prefix / fuzzy query, dense so lookups stay on V8's fast elements.
   */
  private names: Array<string | undefined> | null = null;
  size = 0;

  get bytes(): number {
    return this.chars.byteLength + this.offsets.byteLength + this.hashes.byteLength + this.table.byteLength;
  }

  /** Fits the per-term arrays to the terms held (after a bulk build). */
  trim(): void {
    this.chars = resized(this.chars, Math.max(this.charsUsed, 16));
    this.offsets = resized(this.offsets, this.size + 2);
    this.hashes = resized(this.hashes, this.size + 2);
  }

  /** The term's id, or -1 when no document ever held it (`hash`: hashOf(term), if already known). */
  lookup(term: string, hash = hashOf(term)): number {
    const mask = this.table.length - 1;
    for (let cell = hash & mask; ; cell = (cell + 1) & mask) {
      const stored = this.table[cell]!;
      if (stored === 0) return -1;
      if (this.hashes[stored - 1] === hash && this.equals(stored - 1, term)) return stored - 1;
    }
  }

  /** The term's id, interning it on first sight. */
  intern(term: string): number {
    const hash = hashOf(term);
    const found = this.lookup(term, hash);
    if (found >= 0) return found;
    const id = this.size;
    if (id + 2 > this.offsets.length) {
      const size = this.offsets.length * 2;
      this.offsets = resized(this.offsets, size);
      this.hashes = resized(this.hashes, size);
    }
    if (this.charsUsed + term.length > this.chars.length) {
      this.chars = resized(this.chars, Math.max(this.charsUsed + term.length, this.chars.length * 2));
    }
    for (let i = 0; i < term.length; i++) this.chars[this.charsUsed + i] = term.charCodeAt(i);
    this.charsUsed += term.length;
    this.offsets[id + 1] = this.charsUsed;
    this.hashes[id] = hash;
    this.names?.push(undefined);
    this.size += 1;
    if (this.size * 10 > this.table.length * 7) this.rehash(this.table.length * 2);
    else this.place(id);
    return id;
  }

  /**
   * The term's text. Only prefix / fuzzy expansion asks, for every term of one user; the
   * first such query decodes them (~15 ms per 100k terms), later ones reuse the strings.
   */
  name(id: number): string {
    this.names ??= new Array<string | undefined>(this.size).fill(undefined);
    let name = this.names[id];
    if (name === undefined) {
      const units = this.chars.subarray(this.offsets[id]!, this.offsets[id + 1]!);
      name = String.fromCharCode.apply(null, units as unknown as number[]);
      this.names[id] = name;
    }
    return name;
  }

  private equals(id: number, term: string): boolean {
    const from = this.offsets[id]!;
    if (this.offsets[id + 1]! - from !== term.length) return false;
    for (let i = 0; i < term.length; i++) if (this.chars[from + i] !== term.charCodeAt(i)) return false;
    return true;
  }

  private place(id: number): void {
    const mask = this.table.length - 1;
    let cell = this.hashes[id]! & mask;
    while (this.table[cell] !== 0) cell = (cell + 1) & mask;
    this.table[cell] = id + 1;
  }

  private rehash(cells: number): void {
    this.table = new Int32Array(cells);
    for (let id = 0; id < this.size; id++) this.place(id);
  }
}
