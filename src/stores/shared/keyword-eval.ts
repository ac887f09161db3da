/**
 * Keyword search without a search engine, the one in-process implementation every store
 * that cannot run the query itself uses (in-memory: all documents; Qdrant: the candidates
 * its full-text index returned). Evaluates the QueryNode tree over per-document token
 * positions and ranks matches with BM25 (k1 = 1.2, b = 0.75), the same ranking function
 * FTS5 uses, so these stores and SQLite agree on order for simple queries. Semantics shared
 * with the SQLite translation: adjacent clauses OR; a NOT clause only narrows the positive
 * clauses of the AND it belongs to; a purely negative (sub)query matches nothing, because
 * keyword search ranks by what is present; prefix and fuzzy terms expand over the
 * documents' vocabulary (term-expansion.ts).
 */
import type { Language } from '../../text/languages.ts';
import type { QueryNode } from '../../text/query-ast.ts';
import { tokenize } from '../../text/tokenize.ts';
import { exactToken, expandTerm } from './term-expansion.ts';

/**
 * How query terms map to stored tokens: `token` turns a stem into what the document holds (a
 * blind-index token under encryption); `exactOnly` disables prefix/fuzzy expansion, which
 * needs the plaintext vocabulary (under encryption they match their exact token, as on SQLite).
 */
export interface TokenMapping {
  token: (stem: string) => string;
  exactOnly: boolean;
}

export const PLAIN: TokenMapping = { token: (stem) => stem, exactOnly: false };

export const expands = (node: { prefix?: boolean; fuzzy?: number }, mapping: TokenMapping) =>
  !mapping.exactOnly && (node.prefix === true || (node.fuzzy !== undefined && node.fuzzy > 0));

/** A document: its memory id, where each token stands, and its token count. */
export interface TokenDoc {
  id: string;
  positions: Map<string, number[]>;
  length: number;
}

/** A document from tokens already in order (stems, or blind-index tokens). */
export function tokenDocOf(id: string, tokens: string[]): TokenDoc {
  const positions = new Map<string, number[]>();
  tokens.forEach((token, index) => {
    const list = positions.get(token);
    if (list) list.push(index);
    else positions.set(token, [index]);
  });
  return { id, positions, length: tokens.length };
}

/** A document from text, tokenized as the index tokenizes it (in its language, if known). */
export function toTokenDoc(id: string, text: string, language?: Language): TokenDoc {
  return tokenDocOf(id, tokenize(text, language));
}

/** The query tree with terms resolved to index tokens (exported for the SQLite in-process index). */
export type Compiled =
  | { kind: 'tokens'; tokens: string[] }
  | { kind: 'phrase'; tokens: string[] }
  | { kind: 'and'; positive: Compiled[]; negative: Compiled[] }
  | { kind: 'or'; children: Compiled[] }
  | { kind: 'none' };

export function compile(
  node: QueryNode,
  vocabulary: () => Iterable<string>,
  mapping: TokenMapping,
): Compiled {
  const recurse = (child: QueryNode) => compile(child, vocabulary, mapping);
  switch (node.type) {
    case 'term':
      if (!expands(node, mapping))
        return { kind: 'tokens', tokens: [mapping.token(exactToken(node.value, node.language))] };
      return { kind: 'tokens', tokens: expandTerm(node, vocabulary) };
    case 'phrase': {
      const tokens = tokenize(node.terms.join(' '), node.language).map(mapping.token);
      return tokens.length === 0 ? { kind: 'none' } : { kind: 'phrase', tokens };
    }
    case 'or':
      return { kind: 'or', children: node.children.map(recurse) };
    case 'and': {
      const positive: Compiled[] = [];
      const negative: Compiled[] = [];
      for (const child of node.children) {
        if (child.type === 'not') negative.push(recurse(child.child));
        else positive.push(recurse(child));
      }
      return positive.length === 0 ? { kind: 'none' } : { kind: 'and', positive, negative };
    }
    case 'not':
      return { kind: 'none' };
  }
}

function phraseAt(doc: TokenDoc, tokens: string[]): boolean {
  const first = doc.positions.get(tokens[0]!);
  if (!first) return false;
  return first.some((start) =>
    tokens.every((token, i) => doc.positions.get(token)?.includes(start + i) ?? false),
  );
}

/** Returns whether the doc matches and adds the positive tokens it matched to `hits`. */
export function evaluate(node: Compiled, doc: TokenDoc, hits: Set<string>): boolean {
  switch (node.kind) {
    case 'none':
      return false;
    case 'tokens': {
      let matched = false;
      for (const token of node.tokens) {
        if (doc.positions.has(token)) {
          hits.add(token);
          matched = true;
        }
      }
      return matched;
    }
    case 'phrase': {
      if (!phraseAt(doc, node.tokens)) return false;
      for (const token of node.tokens) hits.add(token);
      return true;
    }
    case 'or': {
      let matched = false;
      for (const child of node.children) if (evaluate(child, doc, hits)) matched = true;
      return matched;
    }
    case 'and': {
      const local = new Set<string>();
      for (const child of node.positive) if (!evaluate(child, doc, local)) return false;
      for (const child of node.negative) if (evaluate(child, doc, new Set())) return false;
      for (const token of local) hits.add(token);
      return true;
    }
  }
}

export interface KeywordMatch {
  id: string;
  /** Positive tokens this doc matched, with their term frequency. */
  hits: Map<string, number>;
  length: number;
}

/** Exact matching of docs, in their order; the vocabulary for prefix/fuzzy expansion is theirs. */
export function matchDocs(ast: QueryNode, docs: TokenDoc[], mapping: TokenMapping = PLAIN): KeywordMatch[] {
  const vocabulary = () => {
    const all = new Set<string>();
    for (const doc of docs) for (const token of doc.positions.keys()) all.add(token);
    return all;
  };
  const compiled = compile(ast, vocabulary, mapping);
  const out: KeywordMatch[] = [];
  for (const doc of docs) {
    const hits = new Set<string>();
    if (!evaluate(compiled, doc, hits)) continue;
    const tf = new Map<string, number>();
    for (const token of hits) tf.set(token, doc.positions.get(token)?.length ?? 0);
    out.push({ id: doc.id, hits: tf, length: doc.length });
  }
  return out;
}

export const K1 = 1.2;
export const B = 0.75;

/**
 * BM25 (k1 = 1.2, b = 0.75, the FTS5 function), positive scores. `docFreq` and `totalDocs`
 * are over the user's filtered scope; `avgLength` is the mean token count of the scope's
 * documents as far as the store knows it.
 */
export function bm25(
  matches: KeywordMatch[],
  totalDocs: number,
  docFreq: Map<string, number>,
  avgLength: number,
): Array<{ id: string; score: number }> {
  const avg = avgLength > 0 ? avgLength : 1;
  return matches.map((match) => {
    let score = 0;
    for (const [token, tf] of match.hits) {
      const df = docFreq.get(token) ?? 1;
      const idf = Math.log(1 + (Math.max(totalDocs, df) - df + 0.5) / (df + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * match.length) / avg));
    }
    return { id: match.id, score: Math.max(score, 1e-9) };
  });
}

/** BM25-ranked ids of the docs matching the query, best first; the docs are the whole scope. */
export function searchDocs(
  docs: TokenDoc[],
  ast: QueryNode,
  k: number,
): Array<{ id: string; score: number }> {
  if (docs.length === 0 || k <= 0) return [];
  const matches = matchDocs(ast, docs);
  const docFreq = new Map<string, number>();
  for (const doc of docs) {
    for (const token of doc.positions.keys()) docFreq.set(token, (docFreq.get(token) ?? 0) + 1);
  }
  const avgLength = docs.reduce((sum, d) => sum + d.length, 0) / docs.length;
  const scored = bm25(matches, docs.length, docFreq, avgLength);
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return scored.slice(0, k);
}
