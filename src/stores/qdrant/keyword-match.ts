/**
 * Keyword search on Qdrant, part 2 (pure): exact matching of the candidates Qdrant
 * returned. The matching and BM25 scoring are the in-process evaluation every such store
 * shares (shared/keyword-eval.ts); this adapter only turns a candidate's stored tokens
 * (stems, or blind-index tokens under encryption) into a document for it.
 */
import type { QueryNode } from '../../text/query-ast.ts';
import {
  type KeywordMatch,
  matchDocs,
  PLAIN,
  type TokenMapping,
  tokenDocOf,
} from '../shared/keyword-eval.ts';

export {
  B,
  bm25,
  expands,
  K1,
  type KeywordMatch,
  PLAIN,
  type TokenMapping,
} from '../shared/keyword-eval.ts';

/** A candidate document: its memory id and stems in order. */
export interface KeywordDoc {
  id: string;
  tokens: string[];
}

/** Exact matching of candidates; the vocabulary for prefix/fuzzy expansion is theirs. */
export function matchCandidates(
  ast: QueryNode,
  docs: KeywordDoc[],
  mapping: TokenMapping = PLAIN,
): KeywordMatch[] {
  return matchDocs(
    ast,
    docs.map((doc) => tokenDocOf(doc.id, doc.tokens)),
    mapping,
  );
}
