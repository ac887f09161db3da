/**
 * One user's slice of the vector index: vectors packed into one growable typed array
 * (Float32, or Int8 with a per-vector scale) plus the per-slot fields that the common
 * filters need (layer, createdAt, superseded), so a filtered search is a single tight scan
 * with no database round-trip. Removal swaps the last slot into the hole, keeping the
 * array dense. Vectors are stored unit-normalized, so cosine similarity is a dot product.
 */
import type { LayerName } from '../../types.ts';
import { LAYERS } from '../../types.ts';

export type Precision = 'float32' | 'int8';

export interface SlotFields {
  layer: LayerName;
  createdMs: number;
  superseded: boolean;
}

export interface ScanFilter {
  layers?: Uint8Array | undefined; // bitmask per layer code: 1 = allowed
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  includeSuperseded: boolean;
  allowed?: Set<string> | undefined;
}

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
  private capacity = 0;
  private f32 = new Float32Array(0);
  private i8 = new Int8Array(0);
  private scales = new Float32Array(0);
  private ids: string[] = [];
  private layers = new Uint8Array(0);
  private created = new Float64Array(0);
  private superseded = new Uint8Array(0);
  private slots = new Map<string, number>();

  constructor(
    private readonly dims: number,
    private readonly precision: Precision,
  ) {}

  has(id: string): boolean {
    return this.slots.has(id);
  }

  private grow(): void {
    const capacity = Math.max(64, this.capacity * 2);
    const copy = <T extends Float32Array | Int8Array | Uint8Array | Float64Array>(
      old: T,
      make: (n: number) => T,
      per: number,
    ): T => {
      const next = make(capacity * per);
      next.set(old);
      return next;
    };
    if (this.precision === 'float32') this.f32 = copy(this.f32, (n) => new Float32Array(n), this.dims);
    else {
      this.i8 = copy(this.i8, (n) => new Int8Array(n), this.dims);
      this.scales = copy(this.scales, (n) => new Float32Array(n), 1);
    }
    this.layers = copy(this.layers, (n) => new Uint8Array(n), 1);
    this.created = copy(this.created, (n) => new Float64Array(n), 1);
    this.superseded = copy(this.superseded, (n) => new Uint8Array(n), 1);
    this.capacity = capacity;
  }

  upsert(id: string, vector: Float32Array, fields: SlotFields): void {
    let slot = this.slots.get(id);
    if (slot === undefined) {
      if (this.size === this.capacity) this.grow();
      slot = this.size++;
      this.slots.set(id, slot);
      this.ids[slot] = id;
    }
    const unit = normalize(vector);
    const base = slot * this.dims;
    if (this.precision === 'float32') this.f32.set(unit, base);
    else {
      let max = 0;
      for (const v of unit) max = Math.max(max, Math.abs(v));
      const scale = max / 127 || 1;
      for (let i = 0; i < this.dims; i++) this.i8[base + i] = Math.round(unit[i]! / scale);
      this.scales[slot] = scale;
    }
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
      const d = this.dims;
      if (this.precision === 'float32') this.f32.copyWithin(slot * d, last * d, last * d + d);
      else {
        this.i8.copyWithin(slot * d, last * d, last * d + d);
        this.scales[slot] = this.scales[last]!;
      }
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

  /** Top-n by dot product among slots passing the filter; query must be unit length. */
  search(query: Float32Array, n: number, filter: ScanFilter): Array<{ id: string; score: number }> {
    const d = this.dims;
    const topScores = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    const topSlots = new Int32Array(n).fill(-1);
    let worst = Number.NEGATIVE_INFINITY;
    const { layers, sinceMs, untilMs, includeSuperseded, allowed } = filter;
    const f32 = this.f32;
    const i8 = this.i8;
    const isF32 = this.precision === 'float32';
    for (let slot = 0; slot < this.size; slot++) {
      if (!includeSuperseded && this.superseded[slot] === 1) continue;
      if (layers && layers[this.layers[slot]!] !== 1) continue;
      const created = this.created[slot]!;
      if (sinceMs !== undefined && created < sinceMs) continue;
      if (untilMs !== undefined && created > untilMs) continue;
      if (allowed && !allowed.has(this.ids[slot]!)) continue;
      const base = slot * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let i = 0;
      if (isF32) {
        for (; i + 3 < d; i += 4) {
          s0 += query[i]! * f32[base + i]!;
          s1 += query[i + 1]! * f32[base + i + 1]!;
          s2 += query[i + 2]! * f32[base + i + 2]!;
          s3 += query[i + 3]! * f32[base + i + 3]!;
        }
        for (; i < d; i++) s0 += query[i]! * f32[base + i]!;
      } else {
        for (; i + 3 < d; i += 4) {
          s0 += query[i]! * i8[base + i]!;
          s1 += query[i + 1]! * i8[base + i + 1]!;
          s2 += query[i + 2]! * i8[base + i + 2]!;
          s3 += query[i + 3]! * i8[base + i + 3]!;
        }
        for (; i < d; i++) s0 += query[i]! * i8[base + i]!;
      }
      let score = s0 + s1 + s2 + s3;
      if (!isF32) score *= this.scales[slot]!;
      if (score <= worst) continue;
      // insertion into the small sorted top-n arrays (n is k or a small oversample of it)
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
