/**
 * Memory id → slot for one partition of an in-process index (keyword and vector), without a
 * JS Map entry per id: an IntMap from a 31-bit hash of the id to its slot, confirmed against
 * the partition's `ids` array (which holds the strings anyway); the rare id whose hash
 * another live id already holds goes to a small Map. ~12–23 bytes per id in a typed array
 * instead of ~40 bytes of heap.
 */
import { hashString, IntMap } from './int-map.ts';

export class IdSlots {
  private readonly byHash = new IntMap();
  private readonly collided = new Map<string, number>();

  /** `ids[slot]` must hold the id for as long as the mapping exists. */
  constructor(private readonly ids: readonly string[]) {}

  get bytes(): number {
    return this.byHash.bytes;
  }

  get(id: string): number | undefined {
    const slot = this.byHash.get(hashString(id) >>> 1);
    if (slot >= 0 && this.ids[slot] === id) return slot;
    return this.collided.size > 0 ? this.collided.get(id) : undefined;
  }

  /** Maps an id that is not mapped yet; `ids[slot]` is already `id`. */
  set(id: string, slot: number): void {
    const hash = hashString(id) >>> 1;
    const holder = this.byHash.get(hash);
    if (holder >= 0 && this.ids[holder] !== id) this.collided.set(id, slot);
    else this.byHash.set(hash, slot);
  }

  /** Unmaps the id; call while `ids[slot]` still holds it. */
  delete(id: string): void {
    const hash = hashString(id) >>> 1;
    const holder = this.byHash.get(hash);
    if (holder >= 0 && this.ids[holder] === id) this.byHash.delete(hash);
    else this.collided.delete(id);
  }
}
