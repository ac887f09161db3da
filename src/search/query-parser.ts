/**
 * Parses keyword query text into a QueryNode tree. (Stub until the store work lands.)
 */
import type { KeywordQuery } from './query-ast.ts';

export function parseKeywordQuery(raw: string): KeywordQuery {
  const terms = raw.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  if (terms.length === 0) return { raw, ast: null };
  return { raw, ast: { type: 'or', children: terms.map((value) => ({ type: 'term' as const, value })) } };
}
