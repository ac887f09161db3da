/**
 * Keyword search on Postgres full-text search, part 1 (pure): what goes into the tsvector
 * and how a query tree becomes a tsquery.
 *
 * Two kinds of rows. By default (English, unknown language, or any row under encryption)
 * the tsvector is built from Strata's own tokenizer (the stems every other store indexes,
 * or their blind-index tokens), written as a tsvector literal with positions: the 'simple'
 * configuration applied to pre-tokenized text, so Postgres, SQLite and the in-memory store
 * agree on every token. A plaintext row whose metadata.language names a language Postgres
 * has a Snowball configuration for (de, fr, es, ...) is indexed with `to_tsvector(<that
 * configuration>, content)` instead, and its user's queries also run through
 * `to_tsquery(<configuration>, ...)` for those rows. Semantics follow shared/keyword-eval.ts:
 * adjacent clauses OR, NOT only narrows the positive clauses of its AND, a purely negative
 * (sub)query matches nothing, phrases are adjacent tokens (`<->`).
 */
import type { Cipher } from '../../security/cipher.ts';
import { type Language, toLanguage } from '../../text/languages.ts';
import type { QueryNode } from '../../text/query-ast.ts';
import { tokenize, words } from '../../text/tokenize.ts';
import { expands, type TokenMapping } from '../shared/keyword-eval.ts';
import { exactToken, expandTerm, prefixForms } from '../shared/term-expansion.ts';

/** fts_config of rows indexed with Strata's tokenizer. */
export const STRATA_CONFIG = 'strata';

/** ISO 639-1 codes and English names → Postgres Snowball text search configurations. */
const LANGUAGE_CONFIGS: Record<string, string> = {
  ar: 'arabic',
  ca: 'catalan',
  da: 'danish',
  de: 'german',
  el: 'greek',
  es: 'spanish',
  eu: 'basque',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hi: 'hindi',
  hu: 'hungarian',
  hy: 'armenian',
  id: 'indonesian',
  it: 'italian',
  lt: 'lithuanian',
  nb: 'norwegian',
  ne: 'nepali',
  nl: 'dutch',
  nn: 'norwegian',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sr: 'serbian',
  sv: 'swedish',
  ta: 'tamil',
  tr: 'turkish',
  yi: 'yiddish',
};
const CONFIG_NAMES = new Set(Object.values(LANGUAGE_CONFIGS));

/**
 * The text search configuration for a memory: a Snowball configuration when its
 * metadata.language is a known non-English language and content is in clear, else Strata's.
 */
export function ftsConfigFor(
  memory: { content: string; metadata: Record<string, unknown> },
  cipher: Cipher | null,
): string {
  const language = memory.metadata.language;
  if (cipher || typeof language !== 'string' || memory.content.includes('\u0000')) return STRATA_CONFIG;
  const tag = language.trim().toLowerCase();
  const config = LANGUAGE_CONFIGS[tag.split(/[-_]/)[0] ?? ''] ?? (CONFIG_NAMES.has(tag) ? tag : undefined);
  return config ?? STRATA_CONFIG;
}

/** The language a memory's Strata tokens are made in (metadata.language when supported). */
export function tokenLanguage(memory: { metadata: Record<string, unknown> }): Language | undefined {
  return toLanguage(memory.metadata.language);
}

/** Index tokens of content for Strata rows: stems in its language, or their user's blind tokens under encryption. */
export function indexTokens(
  content: string,
  cipher: Cipher | null,
  userId: string,
  language?: Language,
): string[] {
  const tokens = tokenize(content, language);
  return cipher ? tokens.map((t) => cipher.blindToken(userId, t)) : tokens;
}

/** A quoted tsvector/tsquery lexeme. */
export function lexeme(token: string): string {
  return `'${token.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

const MAX_POSITION = 16_383;

/** The tsvector literal of tokens in order, with 1-based positions (capped as Postgres does). */
export function tsvectorLiteral(tokens: string[]): string {
  const positions = new Map<string, number[]>();
  tokens.forEach((token, index) => {
    if (token.length === 0 || token.length > 2_000) return;
    const list = positions.get(token) ?? [];
    if (list.length < 256) list.push(Math.min(index + 1, MAX_POSITION));
    positions.set(token, list);
  });
  return [...positions].map(([token, at]) => `${lexeme(token)}:${[...new Set(at)].join(',')}`).join(' ');
}

/** Parses Postgres's text output of a tsvector into token → positions (0-based). */
export function parseTsvector(text: string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const match of text.matchAll(/'((?:[^'\\]|''|\\.)*)'(?::([0-9A-D,]+))?/g)) {
    const token = match[1]!.replace(/''/g, "'").replace(/\\(.)/g, '$1');
    const positions = (match[2] ?? '')
      .split(',')
      .filter((p) => p.length > 0)
      .map((p) => Number.parseInt(p, 10) - 1);
    out.set(token, positions);
  }
  return out;
}

/** Where a query's terms come from: the user's vocabulary for fuzzy expansion. */
export interface TsqueryContext {
  mapping: TokenMapping;
  vocabulary(): Iterable<string>;
}

function group(parts: string[], op: '|' | '&'): string {
  return parts.length === 1 ? parts[0]! : `(${parts.join(` ${op} `)})`;
}

/**
 * The tsquery (text form, lexemes quoted, no normalization) over Strata tokens, or null when
 * the query can match nothing. Prefix terms use `:*`; fuzzy terms expand over the vocabulary.
 */
export function strataTsquery(node: QueryNode, ctx: TsqueryContext): string | null {
  switch (node.type) {
    case 'term': {
      if (!expands(node, ctx.mapping)) {
        const token = exactToken(node.value, node.language);
        return token ? lexeme(ctx.mapping.token(token)) : null;
      }
      if (node.prefix) {
        const forms = prefixForms(node.value, node.language);
        return forms.length === 0
          ? null
          : group(
              forms.map((p) => `${lexeme(p)}:*`),
              '|',
            );
      }
      const tokens = expandTerm(node, () => ctx.vocabulary());
      return tokens.length === 0 ? null : group(tokens.map(lexeme), '|');
    }
    case 'phrase': {
      const tokens = tokenize(node.terms.join(' '), node.language).map(ctx.mapping.token);
      return tokens.length === 0 ? null : `(${tokens.map(lexeme).join(' <-> ')})`;
    }
    default:
      return combine(node, (child) => strataTsquery(child, ctx));
  }
}

/**
 * The query text for `to_tsquery(<language configuration>, text)`: the same operators over
 * the typed words (quoted), so Postgres stems them with that language's dictionary. Prefix
 * terms keep `:*`; fuzzy terms match their exact word.
 */
export function languageQueryText(node: QueryNode): string | null {
  switch (node.type) {
    case 'term': {
      const word = words(node.value)[0];
      if (!word) return null;
      return node.prefix ? `${lexeme(word)}:*` : lexeme(word);
    }
    case 'phrase': {
      const list = words(node.terms.join(' '));
      return list.length === 0 ? null : `(${list.map(lexeme).join(' <-> ')})`;
    }
    default:
      return combine(node, languageQueryText);
  }
}

function combine(node: QueryNode, recurse: (child: QueryNode) => string | null): string | null {
  switch (node.type) {
    case 'or': {
      const parts = node.children.map(recurse).filter((p): p is string => p !== null);
      return parts.length === 0 ? null : group(parts, '|');
    }
    case 'and': {
      const positive: string[] = [];
      const negative: string[] = [];
      for (const child of node.children) {
        if (child.type === 'not') {
          const part = recurse(child.child);
          if (part) negative.push(part);
        } else {
          const part = recurse(child);
          if (part === null) return null;
          positive.push(part);
        }
      }
      if (positive.length === 0) return null;
      const base = group(positive, '&');
      return negative.length === 0 ? base : `(${base} & !${group(negative, '|')})`;
    }
    default:
      return null;
  }
}

/** The typed words of the positive leaves (for language rows' BM25 hits). */
export function positiveWords(node: QueryNode): string[] {
  switch (node.type) {
    case 'term':
      return words(node.value).slice(0, 1);
    case 'phrase':
      return words(node.terms.join(' '));
    case 'or':
      return node.children.flatMap(positiveWords);
    case 'and':
      return node.children.filter((c) => c.type !== 'not').flatMap(positiveWords);
    case 'not':
      return [];
  }
}
