/**
 * One user's slice of the vector index: vectors in a growable Slab (Float32, or Int8 with a
 * per-vector scale) plus the per-row fields the common filters need (layer, createdAt,
 * superseded), so a filtered search is one scoring pass and one filter/top-k pass with no
 * database round-trip. Removal swaps the last row into the hole, keeping rows dense.
 * Vectors are stored unit-normalized, so cosine similarity is a dot product.
 */
import type { LayerName } from '../../types.ts';
import { LAYERS } from '../../types.ts';
import { type Precision, Slab } from './slab.ts';

export type { Precision };

export interface SlotFields {
  layer: LayerName;
  createdMs: number;
  superseded: boolean;
}

export interface ScanFilter {
  layers?: Uint8Array | undefined; // per layer code: 1 = allowed
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  includeSuperseded: boolean;
  allowed?: Set<string> | undefined;
}

/** Candidates per requested result when a large float32 partition scans its int8 shadow. */
export const SHADOW_OVERSAMPLE = 8;

export const LAYER_CODE = new Map<LayerName, number>(LAYERS.map((layer, i) => [layer, i]));

export function normalize(vector: Float32Array): Float32Array {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  const out = new Float32Array(vector.length);
  if (norm === 0) return out;
  const inv = 1 / Math.sqrt(norm);
  for (let i = 0; i < vector.length; i++) out[i] = vector[i]! * inv;
  return out;
}

export class Partition {
  size = 0;
  private slab: Slab;
  private ids: string[] = [];
  private layers = new Uint8Array(0);
  private created = new Float64Array(0);
  private superseded = new Uint8Array(0);
  private slots = new Map<string, number>();

  constructor(dims: number, precision: Precision) {
    this.slab = new Slab(dims, precision, 0);
  }

  private grow(): void {
    const capacity = Math.max(16, this.slab.capacity * 2);
    this.slab = this.slab.grown(capacity, this.size);
    const layers = new Uint8Array(capacity);
    layers.set(this.layers);
    const created = new Float64Array(capacity);
    created.set(this.created);
    const superseded = new Uint8Array(capacity);
    superseded.set(this.superseded);
    this.layers = layers;
    this.created = created;
    this.superseded = superseded;
  }

  upsert(id: string, vector: Float32Array, fields: SlotFields): void {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      if (this.size === this.slab.capacity) this.grow();
      slot = this.size++;
      this.slots.set(id, slot);
      this.ids[slot] = id;
    }
    this.slab.write(slot, normalize(vector));
    this.setFields(slot, fields);
  }

  private setFields(slot: number, fields: SlotFields): void {
    this.layers[slot] = LAYER_CODE.get(fields.layer) ?? 0;
    this.created[slot] = fields.createdMs;
    this.superseded[slot] = fields.superseded ? 1 : 0;
  }

  updateFields(id: string, fields: SlotFields): void {
    const slot = this.slots.get(id);
    if (slot !== undefined) this.setFields(slot, fields);
  }

  remove(id: string): void {
    const slot = this.slots.get(id);
    if (slot === undefined) return;
    const last = this.size - 1;
    if (slot !== last) {
      const lastId = this.ids[last]!;
      this.slab.move(last, slot);
      this.layers[slot] = this.layers[last]!;
      this.created[slot] = this.created[last]!;
      this.superseded[slot] = this.superseded[last]!;
      this.ids[slot] = lastId;
      this.slots.set(lastId, slot);
    }
    this.ids.length = last;
    this.slots.delete(id);
    this.size = last;
  }

  /** Top-n by score among rows passing the filter; query must be unit length. */
  search(query: Float32Array, n: number, filter: ScanFilter): Array<{ id: string; score: number }> {
    if (!this.slab.approximate) return this.scan(query, n, filter);
    // int8 shadow scan for candidates, then exact float32 re-score of those few rows
    const candidates = this.scan(query, Math.max(n * SHADOW_OVERSAMPLE, 64), filter);
    return candidates
      .map((c) => ({ id: c.id, score: this.slab.exactDot(this.slots.get(c.id)!, query) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, n);
  }

  private scan(query: Float32Array, n: number, filter: ScanFilter): Array<{ id: string; score: number }> {
    if (n <= 0 || this.size === 0) return [];
    const scores = this.slab.scoreAll(query, this.size);
    const topScores = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    const topSlots = new Int32Array(n).fill(-1);
    let worst = Number.NEGATIVE_INFINITY;
    const { layers, sinceMs, untilMs, includeSuperseded, allowed } = filter;
    for (let slot = 0; slot < this.size; slot++) {
      const score = scores[slot]!;
      if (score <= worst) continue;
      if (!includeSuperseded && this.superseded[slot] === 1) continue;
      if (layers && layers[this.layers[slot]!] !== 1) continue;
      const created = this.created[slot]!;
      if (sinceMs !== undefined && created < sinceMs) continue;
      if (untilMs !== undefined && created > untilMs) continue;
      if (allowed && !allowed.has(this.ids[slot]!)) continue;
      let j = n - 1;
      while (j > 0 && topScores[j - 1]! < score) {
        topScores[j] = topScores[j - 1]!;
        topSlots[j] = topSlots[j - 1]!;
        j--;
      }
      topScores[j] = score;
      topSlots[j] = slot;
      worst = topScores[n - 1]!;
    }
    const out: Array<{ id: string; score: number }> = [];
    for (let j = 0; j < n; j++) {
      const slot = topSlots[j]!;
      if (slot < 0) break;
      out.push({ id: this.ids[slot]!, score: topScores[j]! });
    }
    return out;
  }
}
