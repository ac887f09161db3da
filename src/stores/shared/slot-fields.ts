/**
 * The per-row filter fields both in-process indexes (vector and keyword) keep beside their
 * rows — layer code, createdAt in ms, superseded flag — as growable typed-array columns,
 * and the one compiled form of a StoreFilter their scans check inline. One definition, so
 * the two indexes can never disagree on which rows a filter admits.
 */
import type { LayerName } from '../../types.ts';
import { LAYERS } from '../../types.ts';
import type { StoreFilter } from '../types.ts';
import { normalizeBound } from './filter.ts';
import { permuteRows, resized } from './resized.ts';

export const LAYER_CODE = new Map<LayerName, number>(LAYERS.map((layer, i) => [layer, i]));

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
  /** Ids the row must be among (filter.ids ∩ ids allowed by checks the index cannot do). */
  allowed?: Set<string> | undefined;
}

/** Compiles a StoreFilter (plus an optional outside allow-list) for inline slot checks. */
export function compileScanFilter(filter: StoreFilter, allowed?: Set<string>): ScanFilter {
  const scan: ScanFilter = { includeSuperseded: filter.includeSuperseded ?? false };
  if (filter.layers && filter.layers.length > 0) {
    scan.layers = new Uint8Array(LAYER_CODE.size);
    for (const layer of filter.layers) scan.layers[LAYER_CODE.get(layer) ?? 0] = 1;
  }
  const since = normalizeBound(filter.since, 'since');
  const until = normalizeBound(filter.until, 'until');
  if (since !== undefined) scan.sinceMs = Date.parse(since);
  if (until !== undefined) scan.untilMs = Date.parse(until);
  let ids = filter.ids ? new Set(filter.ids) : undefined;
  if (allowed) ids = ids ? new Set([...ids].filter((id) => allowed.has(id))) : allowed;
  scan.allowed = ids;
  return scan;
}

export class SlotColumns {
  layer: Uint8Array;
  created: Float64Array;
  superseded: Uint8Array;

  constructor(capacity = 0) {
    this.layer = new Uint8Array(capacity);
    this.created = new Float64Array(capacity);
    this.superseded = new Uint8Array(capacity);
  }

  get bytes(): number {
    return this.layer.byteLength + this.created.byteLength + this.superseded.byteLength;
  }

  /** Reallocates to exactly `capacity` slots, keeping the first min(old, new) rows. */
  resize(capacity: number): void {
    this.layer = resized(this.layer, capacity);
    this.created = resized(this.created, capacity);
    this.superseded = resized(this.superseded, capacity);
  }

  set(slot: number, fields: SlotFields): void {
    this.layer[slot] = LAYER_CODE.get(fields.layer) ?? 0;
    this.created[slot] = fields.createdMs;
    this.superseded[slot] = fields.superseded ? 1 : 0;
  }

  /** New slot i holds old slot order[i], for the first `rows` slots. */
  permute(order: Int32Array, rows: number): void {
    permuteRows(this.layer, 1, order, rows);
    permuteRows(this.created, 1, order, rows);
    permuteRows(this.superseded, 1, order, rows);
  }

  copy(from: number, to: number): void {
    this.layer[to] = this.layer[from]!;
    this.created[to] = this.created[from]!;
    this.superseded[to] = this.superseded[from]!;
  }

  /** Whether the row in `slot` (whose id is `id`) passes the compiled filter. */
  passes(slot: number, id: string, scan: ScanFilter): boolean {
    if (!scan.includeSuperseded && this.superseded[slot] === 1) return false;
    if (scan.layers && scan.layers[this.layer[slot]!] !== 1) return false;
    const created = this.created[slot]!;
    if (scan.sinceMs !== undefined && created < scan.sinceMs) return false;
    if (scan.untilMs !== undefined && created > scan.untilMs) return false;
    return !scan.allowed || scan.allowed.has(id);
  }
}
