/**
 * The keyword query language shared by every store: terms, "quoted phrases", prefix*
 * terms, fuzzy~ terms (optionally fuzzy~2), AND / OR / NOT and parentheses. Adjacent
 * terms without an operator are OR-ed, because recall queries are natural language and
 * ranking (BM25) orders partial matches; explicit AND/NOT/quotes narrow the match set.
 * The parser lives in query-parser.ts; this file only declares the tree. A term or phrase
 * may name the language whose stemmer and stop words turn it into index tokens (absent:
 * English, as before languages were recorded); a word searched in two languages is an OR
 * of its two terms.
 */
import type { Language } from './languages.ts';

export type QueryNode =
  | { type: 'term'; value: string; prefix?: boolean; fuzzy?: number; language?: Language }
  | { type: 'phrase'; terms: string[]; language?: Language }
  | { type: 'and'; children: QueryNode[] }
  | { type: 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode };

export interface KeywordQuery {
  /** The text as the caller typed it. */
  raw: string;
  /** Parsed tree; null when the text has no searchable terms (only stop words or symbols). */
  ast: QueryNode | null;
}
