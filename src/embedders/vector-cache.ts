/**
 * The embedder core's LRU cache of vectors. Vectors are copied into slabs (one Float32Array
 * per 1,024 entries) instead of being kept as the arrays providers return: the cache then
 * owns its memory, so a provider may hand back views of one buffer per batch (one allocation
 * per batch, not per text) without the cache pinning whole batch buffers, and a full cache
 * reuses the evicted entry's slot instead of allocating. A Map keeps recency order: a hit is
 * re-inserted at the back, so the first key is always the least recently used.
 */

const SLAB_ROWS = 1024;

export class VectorCache {
  readonly #max: number;
  readonly #rowsPerSlab: number;
  /** key → slot; insertion order is recency order (oldest first). */
  readonly #slots = new Map<string, number>();
  #slabs: Float32Array[] = [];
  #dims = 0;
  #nextSlot = 0;

  constructor(maxEntries: number) {
    this.#max = Math.max(0, Math.floor(maxEntries));
    this.#rowsPerSlab = Math.max(1, Math.min(SLAB_ROWS, this.#max));
  }

  get size(): number {
    return this.#slots.size;
  }

  /** A fresh copy of the cached vector (the caller owns it), or undefined on a miss. */
  getCopy(key: string): Float32Array | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    this.#slots.delete(key);
    this.#slots.set(key, slot);
    const start = (slot % this.#rowsPerSlab) * this.#dims;
    return (this.#slabs[Math.floor(slot / this.#rowsPerSlab)] as Float32Array).slice(
      start,
      start + this.#dims,
    );
  }

  /** Stores a copy of `vector` (the caller may reuse or drop its array afterwards). */
  set(key: string, vector: Float32Array): void {
    if (this.#max === 0) return;
    // A model whose dimensions changed (a remote server learned them late) starts afresh.
    if (vector.length !== this.#dims) {
      this.clear();
      this.#dims = vector.length;
    }
    let slot = this.#slots.get(key);
    if (slot !== undefined) {
      this.#slots.delete(key);
    } else if (this.#slots.size >= this.#max) {
      const oldest = this.#slots.entries().next();
      if (oldest.done) return;
      this.#slots.delete(oldest.value[0]);
      slot = oldest.value[1];
    } else {
      slot = this.#nextSlot++;
    }
    const slabIndex = Math.floor(slot / this.#rowsPerSlab);
    while (this.#slabs.length <= slabIndex)
      this.#slabs.push(new Float32Array(this.#rowsPerSlab * this.#dims));
    (this.#slabs[slabIndex] as Float32Array).set(vector, (slot % this.#rowsPerSlab) * this.#dims);
    this.#slots.set(key, slot);
  }

  clear(): void {
    this.#slots.clear();
    this.#slabs = [];
    this.#nextSlot = 0;
    this.#dims = 0;
  }
}
