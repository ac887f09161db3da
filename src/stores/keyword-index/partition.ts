/**
 * One user's slice of the in-process keyword index: every document's token stream as term
 * ids (Uint32Array, in order, so phrases can be checked on positions), postings per term as
 * growable typed arrays of (slot, term frequency), and the filter fields the search checks
 * inline (layer code, createdAt ms, superseded flag). Slots of removed documents are reused;
 * a removal takes the document out of each of its terms' postings (swap-remove), so
 * postings never hold dead slots and their length is the term's document frequency.
 */
import type { LayerName } from '../../types.ts';

export interface DocFields {
  layer: LayerName;
  createdMs: number;
  superseded: boolean;
}

/** Postings of one term: parallel slot / tf arrays, the first `n` entries live. */
export interface Postings {
  slots: Int32Array;
  tfs: Int32Array;
  n: number;
}

export class KeywordPartition {
  readonly ids: string[] = [];
  readonly slotOf = new Map<string, number>();
  readonly docs: Array<Uint32Array | null> = [];
  readonly postings = new Map<number, Postings>();
  layer = new Uint8Array(16);
  /** Token count per slot (BM25's document length). */
  lengths = new Int32Array(16);
  created = new Float64Array(16);
  superseded = new Uint8Array(16);
  private free: number[] = [];
  docCount = 0;
  totalLength = 0;

  get capacity(): number {
    return this.docs.length;
  }

  upsert(id: string, terms: Uint32Array, layerCode: number, fields: DocFields): void {
    this.remove(id);
    const slot = this.free.pop() ?? this.docs.length;
    if (slot === this.docs.length) {
      this.docs.push(null);
      this.ids.push(id);
      this.grow(slot + 1);
    }
    this.ids[slot] = id;
    this.docs[slot] = terms;
    this.lengths[slot] = terms.length;
    this.slotOf.set(id, slot);
    this.setFields(slot, layerCode, fields);
    this.docCount += 1;
    this.totalLength += terms.length;
    for (const [term, tf] of counts(terms)) this.add(term, slot, tf);
  }

  updateFields(id: string, layerCode: number, fields: DocFields): void {
    const slot = this.slotOf.get(id);
    if (slot !== undefined) this.setFields(slot, layerCode, fields);
  }

  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const terms = this.docs[slot]!;
    for (const term of counts(terms).keys()) this.drop(term, slot);
    this.slotOf.delete(id);
    this.docs[slot] = null;
    this.ids[slot] = '';
    this.free.push(slot);
    this.docCount -= 1;
    this.totalLength -= terms.length;
    return true;
  }

  private setFields(slot: number, layerCode: number, fields: DocFields): void {
    this.layer[slot] = layerCode;
    this.created[slot] = fields.createdMs;
    this.superseded[slot] = fields.superseded ? 1 : 0;
  }

  private grow(size: number): void {
    if (size <= this.layer.length) return;
    const next = Math.max(size, this.layer.length * 2);
    const layer = new Uint8Array(next);
    layer.set(this.layer);
    const created = new Float64Array(next);
    created.set(this.created);
    const superseded = new Uint8Array(next);
    superseded.set(this.superseded);
    const lengths = new Int32Array(next);
    lengths.set(this.lengths);
    this.lengths = lengths;
    this.layer = layer;
    this.created = created;
    this.superseded = superseded;
  }

  private add(term: number, slot: number, tf: number): void {
    let list = this.postings.get(term);
    if (!list) {
      list = { slots: new Int32Array(2), tfs: new Int32Array(2), n: 0 };
      this.postings.set(term, list);
    }
    if (list.n === list.slots.length) {
      const slots = new Int32Array(list.n * 2);
      slots.set(list.slots);
      const tfs = new Int32Array(list.n * 2);
      tfs.set(list.tfs);
      list.slots = slots;
      list.tfs = tfs;
    }
    list.slots[list.n] = slot;
    list.tfs[list.n] = tf;
    list.n += 1;
  }

  private drop(term: number, slot: number): void {
    const list = this.postings.get(term);
    if (!list) return;
    const at = list.slots.subarray(0, list.n).indexOf(slot);
    if (at < 0) return;
    list.n -= 1;
    list.slots[at] = list.slots[list.n]!;
    list.tfs[at] = list.tfs[list.n]!;
    if (list.n === 0) this.postings.delete(term);
  }
}

function counts(terms: Uint32Array): Map<number, number> {
  const out = new Map<number, number>();
  for (const term of terms) out.set(term, (out.get(term) ?? 0) + 1);
  return out;
}
