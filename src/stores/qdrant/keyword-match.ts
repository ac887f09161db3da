/**
 * Keyword search on Qdrant, part 2 (pure): exact matching of the candidates Qdrant
 * returned and BM25 scoring, with the semantics every store shares
 * (stores/memory/keyword-eval.ts): adjacent clauses OR, a NOT only narrows the positive
 * clauses of its AND, a purely negative query matches nothing, prefix and fuzzy terms
 * expand over the candidates' vocabulary (shared/term-expansion.ts).
 */
import type { QueryNode } from '../../search/query-ast.ts';
import { tokenize } from '../../search/tokenize.ts';
import { exactToken, expandTerm } from '../shared/term-expansion.ts';

/**
 * How query terms map to stored tokens: `token` turns a stem into what `terms` holds (a
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

/** A candidate document: its memory id and stems in order. */
export interface KeywordDoc {
  id: string;
  tokens: string[];
}

type Compiled =
  | { kind: 'tokens'; tokens: string[] }
  | { kind: 'phrase'; tokens: string[] }
  | { kind: 'and'; positive: Compiled[]; negative: Compiled[] }
  | { kind: 'or'; children: Compiled[] }
  | { kind: 'none' };

function compile(node: QueryNode, vocabulary: () => Iterable<string>, mapping: TokenMapping): Compiled {
  const recurse = (child: QueryNode) => compile(child, vocabulary, mapping);
  switch (node.type) {
    case 'term':
      if (!expands(node, mapping)) return { kind: 'tokens', tokens: [mapping.token(exactToken(node.value))] };
      return { kind: 'tokens', tokens: expandTerm(node, vocabulary) };
    case 'phrase': {
      const tokens = tokenize(node.terms.join(' ')).map(mapping.token);
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

function hasPhrase(tokens: string[], phrase: string[]): boolean {
  outer: for (let start = 0; start + phrase.length <= tokens.length; start++) {
    for (let i = 0; i < phrase.length; i++) if (tokens[start + i] !== phrase[i]) continue outer;
    return true;
  }
  return false;
}

/** Whether the doc matches; adds the positive tokens it matched to `hits`. */
function evaluate(node: Compiled, doc: Set<string>, tokens: string[], hits: Set<string>): boolean {
  switch (node.kind) {
    case 'none':
      return false;
    case 'tokens': {
      let matched = false;
      for (const token of node.tokens) {
        if (doc.has(token)) {
          hits.add(token);
          matched = true;
        }
      }
      return matched;
    }
    case 'phrase': {
      if (!hasPhrase(tokens, node.tokens)) return false;
      for (const token of node.tokens) hits.add(token);
      return true;
    }
    case 'or': {
      let matched = false;
      for (const child of node.children) if (evaluate(child, doc, tokens, hits)) matched = true;
      return matched;
    }
    case 'and': {
      const local = new Set<string>();
      for (const child of node.positive) if (!evaluate(child, doc, tokens, local)) return false;
      for (const child of node.negative) if (evaluate(child, doc, tokens, new Set())) return false;
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

/** Exact matching of candidates; the vocabulary for prefix/fuzzy expansion is theirs. */
export function matchCandidates(
  ast: QueryNode,
  docs: KeywordDoc[],
  mapping: TokenMapping = PLAIN,
): KeywordMatch[] {
  const vocabulary = () => {
    const all = new Set<string>();
    for (const doc of docs) for (const token of doc.tokens) all.add(token);
    return all;
  };
  const compiled = compile(ast, vocabulary, mapping);
  const out: KeywordMatch[] = [];
  for (const doc of docs) {
    const hits = new Set<string>();
    if (!evaluate(compiled, new Set(doc.tokens), doc.tokens, hits)) continue;
    const tf = new Map<string, number>();
    for (const token of hits) tf.set(token, doc.tokens.filter((t) => t === token).length);
    out.push({ id: doc.id, hits: tf, length: doc.tokens.length });
  }
  return out;
}

export const K1 = 1.2;
export const B = 0.75;

/**
 * BM25 (k1 = 1.2, b = 0.75, the FTS5 function), positive scores. `docFreq` and
 * `totalDocs` are over the user's filtered scope (Qdrant counts); `avgLength` is the mean
 * stem count of the scope's documents as far as the store knows it.
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
