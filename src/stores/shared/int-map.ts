/**
 * A hash map from non-negative int32 keys to int32 values in one Int32Array (open
 * addressing, linear probing, backward-shift deletion so no tombstones pile up). The
 * keyword index keeps one per user partition (term id → postings list), and both in-process
 * indexes map id hashes to slots with one (id-slots.ts); a JS Map spends
 * ~40 bytes per entry on the heap, this spends 8 bytes per table cell at most 70% full.
 */

const EMPTY = 0;

export class IntMap {
  /** Pairs [key + 1, value]; key cell 0 = empty. */
  private table = new Int32Array(32);
  private bits = 4;
  size = 0;

  get bytes(): number {
    return this.table.byteLength;
  }

  private home(key: number): number {
    return Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
  }

  /** The cell holding key, or -1. */
  private find(key: number): number {
    const mask = (1 << this.bits) - 1;
    for (let cell = this.home(key); ; cell = (cell + 1) & mask) {
      const stored = this.table[cell * 2]!;
      if (stored === EMPTY) return -1;
      if (stored === key + 1) return cell;
    }
  }

  /** The value, or -1 when absent. */
  get(key: number): number {
    const cell = this.find(key);
    return cell < 0 ? -1 : this.table[cell * 2 + 1]!;
  }

  set(key: number, value: number): void {
    if ((this.size + 1) * 10 > 7 << this.bits) this.rehash(this.bits + 1);
    const mask = (1 << this.bits) - 1;
    let cell = this.home(key);
    for (; ; cell = (cell + 1) & mask) {
      const stored = this.table[cell * 2]!;
      if (stored === key + 1) break;
      if (stored === EMPTY) {
        this.table[cell * 2] = key + 1;
        this.size += 1;
        break;
      }
    }
    this.table[cell * 2 + 1] = value;
  }

  delete(key: number): void {
    let hole = this.find(key);
    if (hole < 0) return;
    const mask = (1 << this.bits) - 1;
    // Move later entries of the probe run back into the hole when their home allows it.
    for (let cell = (hole + 1) & mask; this.table[cell * 2] !== EMPTY; cell = (cell + 1) & mask) {
      const home = this.home(this.table[cell * 2]! - 1);
      const stays = hole < cell ? home > hole && home <= cell : home > hole || home <= cell;
      if (stays) continue;
      this.table[hole * 2] = this.table[cell * 2]!;
      this.table[hole * 2 + 1] = this.table[cell * 2 + 1]!;
      hole = cell;
    }
    this.table[hole * 2] = EMPTY;
    this.size -= 1;
  }

  forEachKey(fn: (key: number) => void): void {
    const table = this.table;
    for (let cell = 0; cell < table.length; cell += 2) {
      const stored = table[cell]!;
      if (stored !== EMPTY) fn(stored - 1);
    }
  }

  private rehash(bits: number): void {
    const old = this.table;
    this.table = new Int32Array(2 << bits);
    this.bits = bits;
    this.size = 0;
    for (let cell = 0; cell < old.length; cell += 2) {
      if (old[cell] !== EMPTY) this.set(old[cell]! - 1, old[cell + 1]!);
    }
  }
}

/** FNV-1a over a string's UTF-16 code units, finished with a multiply so low bits mix well (int32). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
}
