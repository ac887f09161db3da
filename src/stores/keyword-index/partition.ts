/**
 * One user's slice of the in-process keyword index: every document's token stream as term
 * ids (Uint32Array, in order, so phrases can be checked on positions), postings per term as
 * growable typed arrays of (slot, term frequency), and the filter fields the search checks
 * inline (layer code, createdAt ms, superseded flag). Slots of removed documents are reused;
 * a removal takes the document out of each of its terms' postings (swap-remove), so
 * postings never hold dead slots and their length is the term's document frequency.
 */
import { SlotColumns, type SlotFields } from '../shared/slot-fields.ts';

export type DocFields = SlotFields;

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
  /** Layer, createdAt and superseded per slot, checked inline by filtered searches. */
  readonly fields = new SlotColumns(16);
  /** Token count per slot (BM25's document length). */
  lengths = new Int32Array(16);
  private free: number[] = [];
  docCount = 0;
  totalLength = 0;

  get capacity(): number {
    return this.docs.length;
  }

  upsert(id: string, terms: Uint32Array, fields: DocFields): void {
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
    this.fields.set(slot, fields);
    this.docCount += 1;
    this.totalLength += terms.length;
    for (const [term, tf] of counts(terms)) this.add(term, slot, tf);
  }

  updateFields(id: string, fields: DocFields): void {
    const slot = this.slotOf.get(id);
    if (slot !== undefined) this.fields.set(slot, fields);
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

  private grow(size: number): void {
    if (size <= this.lengths.length) return;
    const next = Math.max(size, this.lengths.length * 2);
    this.fields.resize(next);
    const lengths = new Int32Array(next);
    lengths.set(this.lengths);
    this.lengths = lengths;
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
