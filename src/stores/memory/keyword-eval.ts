/**
 * Keyword search without a search engine: evaluates the QueryNode tree over per-document
 * token positions and ranks matches with BM25 (k1 = 1.2, b = 0.75), the same ranking
 * function FTS5 uses, so in-memory and SQLite results agree on order for simple queries.
 * Semantics shared with the SQLite translation: adjacent clauses OR; a NOT clause only
 * narrows the positive clauses of the AND it belongs to; a purely negative (sub)query
 * matches nothing, because keyword search ranks by what is present.
 */
import type { QueryNode } from '../../search/query-ast.ts';
import { tokenize } from '../../search/tokenize.ts';
import { expandTerm } from '../shared/term-expansion.ts';

export interface TokenDoc {
  id: string;
  positions: Map<string, number[]>;
  length: number;
}

export function toTokenDoc(id: string, text: string): TokenDoc {
  const positions = new Map<string, number[]>();
  const tokens = tokenize(text);
  tokens.forEach((token, index) => {
    const list = positions.get(token);
    if (list) list.push(index);
    else positions.set(token, [index]);
  });
  return { id, positions, length: tokens.length };
}

type Compiled =
  | { kind: 'tokens'; tokens: string[] }
  | { kind: 'phrase'; tokens: string[] }
  | { kind: 'and'; positive: Compiled[]; negative: Compiled[] }
  | { kind: 'or'; children: Compiled[] }
  | { kind: 'none' };

function compile(node: QueryNode, vocabulary: () => Iterable<string>): Compiled {
  switch (node.type) {
    case 'term':
      return { kind: 'tokens', tokens: expandTerm(node, vocabulary) };
    case 'phrase': {
      const tokens = tokenize(node.terms.join(' '));
      return tokens.length === 0 ? { kind: 'none' } : { kind: 'phrase', tokens };
    }
    case 'or':
      return { kind: 'or', children: node.children.map((c) => compile(c, vocabulary)) };
    case 'and': {
      const positive: Compiled[] = [];
      const negative: Compiled[] = [];
      for (const child of node.children) {
        if (child.type === 'not') negative.push(compile(child.child, vocabulary));
        else positive.push(compile(child, vocabulary));
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
function evaluate(node: Compiled, doc: TokenDoc, hits: Set<string>): boolean {
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

/** BM25-ranked ids of the docs matching the query, best first. */
export function searchDocs(
  docs: TokenDoc[],
  ast: QueryNode,
  k: number,
): Array<{ id: string; score: number }> {
  if (docs.length === 0 || k <= 0) return [];
  const vocabulary = () => {
    const all = new Set<string>();
    for (const doc of docs) for (const token of doc.positions.keys()) all.add(token);
    return all;
  };
  const compiled = compile(ast, vocabulary);
  const avgdl = docs.reduce((sum, d) => sum + d.length, 0) / docs.length || 1;
  const df = new Map<string, number>();
  const matches: Array<{ doc: TokenDoc; hits: Set<string> }> = [];
  for (const doc of docs) {
    const hits = new Set<string>();
    if (evaluate(compiled, doc, hits)) matches.push({ doc, hits });
  }
  for (const doc of docs) {
    for (const token of doc.positions.keys()) df.set(token, (df.get(token) ?? 0) + 1);
  }
  const n = docs.length;
  const scored = matches.map(({ doc, hits }) => {
    let score = 0;
    for (const token of hits) {
      const tf = doc.positions.get(token)?.length ?? 0;
      const d = df.get(token) ?? 0;
      const idf = Math.log(1 + (n - d + 0.5) / (d + 0.5));
      score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * doc.length) / avgdl));
    }
    return { id: doc.id, score: Math.max(score, 1e-9) };
  });
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  return scored.slice(0, k);
}
