/**
 * The SQLite store's in-process keyword index (store.keywordIndex = 'memory'): per-user
 * inverted postings over the same token stream the store writes into FTS5 (tokenize.ts
 * stems, or blind-index tokens under encryption), so a query only touches its own user's
 * postings, where one FTS5 index over all users made MATCH score every user's rows before
 * the user filter applied. Query semantics come from the one shared evaluator
 * (stores/shared/keyword-eval.ts: compile + evaluate); ranking is FTS5's BM25 (k1 = 1.2,
 * b = 0.75, idf = ln((N − df + 0.5) / (df + 0.5)) floored at 1e-6) with N, df and the
 * average length taken over the user's documents instead of the whole file: per-user
 * statistics keep one user's vocabulary from moving another user's scores. Prefix and fuzzy
 * terms expand over the user's own vocabulary.
 */
import type { QueryNode } from '../../text/query-ast.ts';
import {
  B,
  type Compiled,
  compile,
  evaluate,
  K1,
  type TokenDoc,
  type TokenMapping,
} from '../shared/keyword-eval.ts';
import { compileScanFilter } from '../shared/slot-fields.ts';
import type { ScoredId, StoreFilter } from '../types.ts';
import { type FlatTerm, scoreFlatOr } from './flat-or.ts';
import { type DocFields, KeywordPartition } from './partition.ts';
import { TermDictionary } from './term-dictionary.ts';
import { TopK } from './top-k.ts';

export type { DocFields };

export class KeywordIndex {
  private readonly terms = new TermDictionary();
  private readonly partitions = new Map<string, KeywordPartition>();
  private scratch = new Float64Array(0);
  private seen = new Int32Array(0);
  /** Vocabularies of users who ran prefix / fuzzy queries (see vocabulary()). */
  private readonly vocabularies = new WeakMap<KeywordPartition, { version: number; names: string[] }>();

  get size(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.docCount;
    return n;
  }

  /** Typed-array bytes and counts, for memory accounting (bench/memory.ts). */
  memoryStats(): { partitions: number; docs: number; terms: number; partitionTerms: number; bytes: number } {
    const total = {
      partitions: this.partitions.size,
      docs: 0,
      terms: this.terms.size,
      partitionTerms: 0,
      bytes: this.terms.bytes,
    };
    for (const p of this.partitions.values()) {
      total.docs += p.docCount;
      total.partitionTerms += p.postings.size;
      total.bytes += p.bytes;
    }
    return total;
  }

  /** Drops the spare room growth left in every arena; for an index just built in bulk. */
  trim(): void {
    for (const p of this.partitions.values()) p.trim();
    this.terms.trim();
  }

  /** Adds or replaces a document; `tokens` is the stream the store indexes, in order. */
  upsert(userId: string, id: string, tokens: readonly string[], fields: DocFields): void {
    let partition = this.partitions.get(userId);
    if (!partition) {
      partition = new KeywordPartition();
      this.partitions.set(userId, partition);
    }
    const terms = new Uint32Array(tokens.length);
    tokens.forEach((token, i) => {
      terms[i] = this.terms.intern(token);
    });
    partition.upsert(id, terms, fields);
  }

  /** Whether the user's document is indexed. */
  has(userId: string, id: string): boolean {
    return this.partitions.get(userId)?.slotOf.get(id) !== undefined;
  }

  updateFields(userId: string, id: string, fields: DocFields): void {
    this.partitions.get(userId)?.updateFields(id, fields);
  }

  remove(userId: string, id: string): void {
    const partition = this.partitions.get(userId);
    if (partition?.remove(id) && partition.docCount === 0) this.partitions.delete(userId);
  }

  removeUser(userId: string): void {
    this.partitions.delete(userId);
  }

  /**
   * BM25-ranked ids of the user's documents matching the query, best first (ties by id).
   * `allowed` restricts to ids that passed filters the index cannot check (metadata).
   */
  search(
    filter: StoreFilter,
    ast: QueryNode,
    k: number,
    mapping: TokenMapping,
    allowed?: Set<string>,
  ): ScoredId[] {
    const p = this.partitions.get(filter.userId);
    if (!p || k <= 0 || p.docCount === 0) return [];
    const compiled = compile(ast, () => this.vocabulary(p), mapping);
    const accept = this.acceptor(p, filter, allowed);
    const avg = p.totalLength / p.docCount || 1;
    const idf = (term: number) => {
      const df = p.postings.df(term);
      const value = Math.log((p.docCount - df + 0.5) / (df + 0.5));
      return value > 0 ? value : 1e-6;
    };
    const base = K1 * (1 - B);
    const perToken = (K1 * B) / avg;
    const weight = (tf: number, length: number) => (tf * (K1 + 1)) / (tf + base + perToken * length);
    const flat = flatTokens(compiled);
    if (flat) {
      if (this.scratch.length < p.capacity) {
        this.scratch = new Float64Array(p.capacity * 2);
        this.seen = new Int32Array(p.capacity * 2);
      }
      const terms: FlatTerm[] = [];
      const { start, len, maxTf, minLength } = p.postings;
      for (const term of this.known(flat)) {
        const list = p.postings.list(term);
        if (list < 0) continue;
        terms.push({
          term,
          start: start[list]!,
          n: len[list]!,
          weight: idf(term) * (K1 + 1),
          maxTf: maxTf[list]!,
          minLength: minLength[list]!,
          dense: p.postings.dense[list] ?? null,
        });
      }
      return scoreFlatOr(p, terms, { k, base, perToken, accept, scores: this.scratch, seen: this.seen });
    }
    const top = new TopK(k, p.ids);
    const names = this.queryTerms(compiled);
    const ids = new Map([...names].map(([id, token]) => [token, id]));
    for (const slot of this.candidates(p, compiled)) {
      if (!accept(slot)) continue;
      const doc = this.tokenDoc(p, slot, names);
      const hits = new Set<string>();
      if (!evaluate(compiled, doc, hits)) continue;
      let score = 0;
      for (const token of hits) {
        const tf = doc.positions.get(token)?.length ?? 0;
        score += idf(ids.get(token)!) * weight(tf, doc.length);
      }
      top.offer(slot, Math.max(score, 1e-9));
    }
    return top.result();
  }

  /** The user's terms as text, kept until the user's set of terms changes. */
  private vocabulary(p: KeywordPartition): string[] {
    const cached = this.vocabularies.get(p);
    if (cached?.version === p.postings.termsVersion) return cached.names;
    const names: string[] = [];
    p.postings.forEachTerm((term) => names.push(this.terms.name(term)));
    this.vocabularies.set(p, { version: p.postings.termsVersion, names });
    return names;
  }

  private known(tokens: Iterable<string>): Set<number> {
    const out = new Set<number>();
    for (const token of tokens) {
      const id = this.terms.lookup(token);
      if (id >= 0) out.add(id);
    }
    return out;
  }

  /** Ids and names of every known token in the query (positive or negated). */
  private queryTerms(node: Compiled, out = new Map<number, string>()): Map<number, string> {
    if (node.kind === 'tokens' || node.kind === 'phrase') {
      for (const token of node.tokens) {
        const id = this.terms.lookup(token);
        if (id >= 0) out.set(id, token);
      }
    } else if (node.kind === 'or') {
      for (const child of node.children) this.queryTerms(child, out);
    } else if (node.kind === 'and') {
      for (const child of [...node.positive, ...node.negative]) this.queryTerms(child, out);
    }
    return out;
  }

  /**
   * The document as the evaluator sees it, with positions of the query's tokens only: the
   * evaluator asks about nothing else, and names are not kept as strings per term.
   */
  private tokenDoc(p: KeywordPartition, slot: number, names: Map<number, string>): TokenDoc {
    const terms = p.terms(slot);
    const positions = new Map<string, number[]>();
    terms.forEach((term, index) => {
      const token = names.get(term);
      if (token === undefined) return;
      const list = positions.get(token);
      if (list) list.push(index);
      else positions.set(token, [index]);
    });
    return { id: p.ids[slot]!, positions, length: terms.length };
  }

  /** Slots that can match (a superset): unions for OR, intersections of positives for AND. */
  private candidates(p: KeywordPartition, node: Compiled): Set<number> {
    switch (node.kind) {
      case 'none':
        return new Set();
      case 'tokens': {
        const out = new Set<number>();
        const { slots, start, len } = p.postings;
        for (const term of this.known(node.tokens)) {
          const list = p.postings.list(term);
          if (list < 0) continue;
          const from = start[list]!;
          for (let i = from; i < from + len[list]!; i++) out.add(slots[i]!);
        }
        return out;
      }
      case 'phrase':
        return intersect(node.tokens.map((token) => this.candidates(p, { kind: 'tokens', tokens: [token] })));
      case 'or': {
        const out = new Set<number>();
        for (const child of node.children) for (const slot of this.candidates(p, child)) out.add(slot);
        return out;
      }
      case 'and':
        return intersect(node.positive.map((child) => this.candidates(p, child)));
    }
  }

  private acceptor(
    p: KeywordPartition,
    filter: StoreFilter,
    allowed?: Set<string>,
  ): (slot: number) => boolean {
    const scan = compileScanFilter(filter, allowed);
    return (slot) => p.fields.passes(slot, p.ids[slot]!, scan);
  }
}

/** The tokens of a query that is one token list or an OR of token lists; else null. */
function flatTokens(node: Compiled): string[] | null {
  if (node.kind === 'tokens') return node.tokens;
  if (node.kind !== 'or') return null;
  const out: string[] = [];
  for (const child of node.children) {
    if (child.kind !== 'tokens') return null;
    out.push(...child.tokens);
  }
  return out;
}

function intersect(sets: Set<number>[]): Set<number> {
  if (sets.length === 0) return new Set();
  const sorted = [...sets].sort((a, b) => a.size - b.size);
  const out = new Set<number>();
  for (const slot of sorted[0]!) if (sorted.every((s) => s.has(slot))) out.add(slot);
  return out;
}
