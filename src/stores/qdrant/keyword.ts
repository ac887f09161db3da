/**
 * Keyword search on Qdrant, part 1 (pure): translation. A query tree becomes (1) a Qdrant condition
 * over the `terms` payload field (full-text index of our own stems: must / should /
 * must_not of `match: {text}`) that selects a SUPERSET of the matching points, and (2) an
 * exact in-process evaluation of the candidates with the semantics every store shares
 * (shared/keyword-eval.ts, shared/term-expansion.ts): adjacent clauses OR, a NOT
 * only narrows the positive clauses of its AND, a purely negative query matches nothing,
 * prefix and fuzzy terms expand over the candidates' vocabulary. Parts Qdrant cannot
 * express exactly (prefix, fuzzy, phrase adjacency) widen the candidate set instead.
 */
import type { QueryNode } from '../../text/query-ast.ts';
import { tokenize } from '../../text/tokenize.ts';
import { exactToken } from '../shared/term-expansion.ts';
import type { QdrantCondition } from './filters.ts';
import { expands, PLAIN, type TokenMapping } from './keyword-match.ts';

/** `none`: matches nothing; `all`: Qdrant cannot narrow it (every point is a candidate). */
export type Candidates =
  | { kind: 'none' }
  | { kind: 'all' }
  | { kind: 'where'; condition: QdrantCondition; exact: boolean };

const NONE: Candidates = { kind: 'none' };
const ALL: Candidates = { kind: 'all' };
const text = (token: string): QdrantCondition => ({ key: 'terms', match: { text: token } });

/** Translates a query tree into the Qdrant condition that selects its candidates. */
export function candidateCondition(node: QueryNode, mapping: TokenMapping = PLAIN): Candidates {
  const recurse = (child: QueryNode) => candidateCondition(child, mapping);
  switch (node.type) {
    case 'term':
      if (expands(node, mapping)) return ALL;
      return {
        kind: 'where',
        condition: text(mapping.token(exactToken(node.value, node.language))),
        exact: true,
      };
    case 'phrase': {
      const tokens = tokenize(node.terms.join(' '), node.language).map(mapping.token);
      if (tokens.length === 0) return NONE;
      return { kind: 'where', condition: { must: tokens.map(text) }, exact: tokens.length === 1 };
    }
    case 'or': {
      const parts = node.children.map(recurse).filter((part) => part.kind !== 'none');
      if (parts.length === 0) return NONE;
      if (parts.some((part) => part.kind === 'all')) return ALL;
      const where = parts as Array<Extract<Candidates, { kind: 'where' }>>;
      return {
        kind: 'where',
        condition: { should: where.map((part) => part.condition) },
        exact: where.every((part) => part.exact),
      };
    }
    case 'and': {
      const positive = node.children.filter((child) => child.type !== 'not').map(recurse);
      if (positive.length === 0 || positive.some((part) => part.kind === 'none')) return NONE;
      const must = positive.flatMap((part) => (part.kind === 'where' ? [part.condition] : []));
      // Only an exact condition may exclude points; inexact negatives are checked in process.
      const mustNot = node.children.flatMap((child) => {
        if (child.type !== 'not') return [];
        const inner = recurse(child.child);
        return inner.kind === 'where' && inner.exact ? [inner.condition] : [];
      });
      if (must.length === 0 && mustNot.length === 0) return ALL;
      return {
        kind: 'where',
        condition: {
          ...(must.length > 0 ? { must } : {}),
          ...(mustNot.length > 0 ? { must_not: mustNot } : {}),
        },
        exact: false,
      };
    }
    case 'not':
      return NONE;
  }
}

export {
  bm25,
  type KeywordDoc,
  type KeywordMatch,
  matchCandidates,
  PLAIN,
  type TokenMapping,
} from './keyword-match.ts';
