/**
 * One user's slice of the in-process keyword index: every document's token stream as term
 * ids (in order, so phrases can be checked on positions), postings per term as (slot, term
 * frequency), and the filter fields the search checks inline (layer code, createdAt ms,
 * superseded flag). Streams and postings each live in one arena of typed arrays per
 * partition (token-streams.ts, postings.ts), not in per-document or per-term objects: at
 * 100k documents that is the difference between ~100 MB and ~25 MB of memory. Slots of
 * removed documents are reused; a removal takes the document out of each of its terms'
 * postings (swap-remove), so postings never hold dead slots and their length is the
 * term's document frequency.
 */

import { IdSlots } from '../shared/id-slots.ts';
import { SlotColumns, type SlotFields } from '../shared/slot-fields.ts';
import { PostingLists } from './postings.ts';
import { TokenStreams } from './token-streams.ts';

export type DocFields = SlotFields;

const FIRST_SLOTS = 16;

export class KeywordPartition {
  readonly ids: string[] = [];
  readonly slotOf = new IdSlots(this.ids);
  readonly postings: PostingLists;
  /** Layer, createdAt and superseded per slot, checked inline by filtered searches. */
  readonly fields = new SlotColumns(FIRST_SLOTS);
  private readonly streams = new TokenStreams(FIRST_SLOTS);
  private readonly free: number[] = [];
  docCount = 0;
  totalLength = 0;

  /** `denseMin`: see PostingLists (tests lower it to reach dense columns on small corpora). */
  constructor(denseMin?: number) {
    this.postings = new PostingLists(denseMin);
  }

  /** Slots handed out so far (live or free): the bound for per-slot scratch arrays. */
  get capacity(): number {
    return this.ids.length;
  }

  /** Token count per slot (BM25's document length); 0 for a free slot. */
  get lengths(): Int32Array {
    return this.streams.length;
  }

  /** Bytes held in typed arrays (the id strings are on the JS heap). */
  get bytes(): number {
    return this.postings.bytes + this.streams.bytes + this.fields.bytes + this.slotOf.bytes;
  }

  /** The slot's token stream (term ids in order), a view valid until the next write. */
  terms(slot: number): Uint32Array {
    return this.streams.get(slot);
  }

  /**
   * Exact term frequency, for a posting whose stored tf is TF_SATURATED (postings.ts keeps it in a
   * byte): counted from the slot's token stream, which has every occurrence.
   */
  exactTf(slot: number, term: number): number {
    let tf = 0;
    for (const t of this.streams.get(slot)) if (t === term) tf += 1;
    return tf;
  }

  upsert(id: string, terms: Uint32Array, fields: DocFields): void {
    this.remove(id);
    const slot = this.free.pop() ?? this.ids.length;
    if (slot === this.ids.length) {
      this.ids.push(id);
      this.grow(slot + 1);
    }
    this.ids[slot] = id;
    this.streams.set(slot, terms);
    this.slotOf.set(id, slot);
    this.fields.set(slot, fields);
    this.docCount += 1;
    this.totalLength += terms.length;
    for (const [term, tf] of counts(terms)) this.postings.add(term, slot, tf, terms.length);
  }

  /** Drops spare room in the arenas (after a bulk build). */
  trim(): void {
    this.postings.trim();
    this.streams.trim();
  }

  updateFields(id: string, fields: DocFields): void {
    const slot = this.slotOf.get(id);
    if (slot !== undefined) this.fields.set(slot, fields);
  }

  remove(id: string): boolean {
    const slot = this.slotOf.get(id);
    if (slot === undefined) return false;
    const terms = this.streams.get(slot);
    for (const term of counts(terms).keys()) this.postings.drop(term, slot);
    this.totalLength -= terms.length;
    this.streams.release(slot);
    this.slotOf.delete(id);
    this.ids[slot] = '';
    this.free.push(slot);
    this.docCount -= 1;
    return true;
  }

  private grow(size: number): void {
    const current = this.fields.layer.length;
    if (size <= current) return;
    // doubling while small, 1.25x from 256 slots on (at most a fifth of the columns spare)
    const next = Math.max(size, current < 256 ? current * 2 : Math.ceil((current * 1.25) / 16) * 16);
    this.fields.resize(next);
    this.streams.resize(next);
  }
}

function counts(terms: Uint32Array): Map<number, number> {
  const out = new Map<number, number>();
  for (const term of terms) out.set(term, (out.get(term) ?? 0) + 1);
  return out;
}
