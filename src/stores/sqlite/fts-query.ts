/**
 * Translates the QueryNode tree into an FTS5 MATCH expression without ever letting user
 * text act as FTS syntax: every token is produced by our tokenizer (letters/digits only)
 * and still emitted as a double-quoted string with quotes doubled. Semantics match the
 * in-memory evaluator: OR of children; AND of positive children narrowed by `NOT (...)` of
 * negative ones; a purely negative (sub)query matches nothing. Fuzzy terms expand through
 * the fts5vocab table; prefix terms use FTS5's native `"p"*`. Under encryption tokens are
 * blind-index digests, so prefix/fuzzy degrade to exact terms (documented limitation).
 */

import type { Cipher } from '../../security/cipher.ts';
import type { QueryNode } from '../../text/query-ast.ts';
import { tokenize } from '../../text/tokenize.ts';
import { exactToken, expandTerm, prefixForms } from '../shared/term-expansion.ts';

export interface FtsContext {
  cipher: Cipher | null;
  /** The user searched: blind tokens are keyed per user. */
  userId: string;
  /** Vocabulary tokens whose length is within [min, max] (for fuzzy expansion). */
  vocabulary(minLength: number, maxLength: number): Iterable<string>;
}

function quote(token: string): string {
  return `"${token.replace(/"/g, '""')}"`;
}

function group(parts: string[], op: 'OR' | 'AND'): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(` ${op} `)})`;
}

function blind(ctx: FtsContext, token: string): string {
  return ctx.cipher ? ctx.cipher.blindToken(ctx.userId, token) : token;
}

function term(node: Extract<QueryNode, { type: 'term' }>, ctx: FtsContext): string | null {
  if (ctx.cipher || (!node.prefix && !(node.fuzzy && node.fuzzy > 0))) {
    const token = exactToken(node.value, node.language);
    return token ? quote(blind(ctx, token)) : null;
  }
  if (node.prefix) {
    const forms = prefixForms(node.value, node.language);
    return forms.length === 0
      ? null
      : group(
          forms.map((p) => `${quote(p)}*`),
          'OR',
        );
  }
  const max = Math.min(2, Math.max(1, Math.round(node.fuzzy ?? 1)));
  const length = node.value.length;
  const tokens = expandTerm(node, () => ctx.vocabulary(Math.max(1, length - max - 1), length + max + 1));
  return tokens.length === 0 ? null : group(tokens.map(quote), 'OR');
}

export function toFtsMatch(node: QueryNode, ctx: FtsContext): string | null {
  switch (node.type) {
    case 'term':
      return term(node, ctx);
    case 'phrase': {
      const tokens = tokenize(node.terms.join(' '), node.language).map((t) => blind(ctx, t));
      return tokens.length === 0 ? null : quote(tokens.join(' '));
    }
    case 'or': {
      const parts = node.children.map((c) => toFtsMatch(c, ctx)).filter((p): p is string => p !== null);
      return parts.length === 0 ? null : group(parts, 'OR');
    }
    case 'and': {
      const positive: string[] = [];
      const negative: string[] = [];
      for (const child of node.children) {
        if (child.type === 'not') {
          const part = toFtsMatch(child.child, ctx);
          if (part) negative.push(part);
        } else {
          const part = toFtsMatch(child, ctx);
          if (part === null) return null;
          positive.push(part);
        }
      }
      if (positive.length === 0) return null;
      const base = group(positive, 'AND');
      return negative.length === 0 ? base : `(${base} NOT ${group(negative, 'OR')})`;
    }
    case 'not':
      return null;
  }
}
