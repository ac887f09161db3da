/**
 * Parses keyword query text into the QueryNode tree of query-ast.ts. Grammar, loosest first:
 * adjacency/OR, then AND, then NOT / leading `-`, then parentheses, "phrases", prefix* and
 * fuzzy~ / fuzzy~2 terms. Operators are upper-case only (AND, OR, NOT), because lower-case
 * "and"/"not" are ordinary words in natural-language recall queries. Negative clauses narrow
 * their siblings: `cats -dogs` is cats AND NOT dogs. The parser never throws: unbalanced
 * quotes and parentheses, lone operators, symbols and any Unicode degrade to plain terms;
 * stop words are dropped from terms (phrases keep them; stores tokenize phrases themselves).
 * Term values are NFKC-lowercased words, unstemmed; stores stem when they match.
 *
 * Languages: the query is searched in `languages` (text/detect-language.ts picks them), the
 * first deciding stop words and how words split (elisions, Japanese and Chinese segments).
 * A word whose stem differs between them becomes an OR of one term per language, so a German
 * memory (stems "katz") and an English-tokenized one ("katzen") both match "Katzen". With
 * English alone (the default) terms carry no language: the tree is what it always was.
 */
import type { Language } from './languages.ts';
import type { KeywordQuery, QueryNode } from './query-ast.ts';
import { isStopWord, stem, tokenize, words } from './tokenize.ts';

const MAX_QUERY_CHARS = 4_000;
const MAX_DEPTH = 16;
const MAX_TERMS = 128;

type Token =
  | { kind: 'word'; text: string; suffix: string }
  | { kind: 'phrase'; text: string }
  | { kind: 'op'; op: 'AND' | 'OR' | 'NOT' }
  | { kind: 'neg' }
  | { kind: 'open' }
  | { kind: 'close' };

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}\p{M}]+)*/uy;
const SUFFIX = /\*|~\d?/y;
const QUOTES = new Set(['"', '“', '”', '„']);

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let atStart = true;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/u.test(ch)) {
      i += 1;
      atStart = true;
      continue;
    }
    if (ch === '(' || ch === ')') {
      tokens.push({ kind: ch === '(' ? 'open' : 'close' });
      i += 1;
      atStart = true;
      continue;
    }
    if (QUOTES.has(ch)) {
      const rest = text.slice(i + 1);
      const end = [...QUOTES].map((q) => rest.indexOf(q)).filter((n) => n >= 0);
      if (end.length > 0) {
        const close = Math.min(...end);
        tokens.push({ kind: 'phrase', text: rest.slice(0, close) });
        i += close + 2;
      } else {
        i += 1; // unbalanced quote: ignore it, the words become terms
      }
      atStart = true;
      continue;
    }
    if ((ch === '-' || ch === '!') && atStart && i + 1 < text.length && !/\s/u.test(text[i + 1]!)) {
      tokens.push({ kind: 'neg' });
      i += 1;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word) {
      i += word[0].length;
      SUFFIX.lastIndex = i;
      const suffix = SUFFIX.exec(text)?.[0] ?? '';
      i += suffix.length;
      const raw = word[0];
      if (!suffix && (raw === 'AND' || raw === 'OR' || raw === 'NOT')) tokens.push({ kind: 'op', op: raw });
      else tokens.push({ kind: 'word', text: raw, suffix });
      atStart = false;
      continue;
    }
    if (ch === '&' && text[i + 1] === '&') tokens.push({ kind: 'op', op: 'AND' });
    if (ch === '|' && text[i + 1] === '|') tokens.push({ kind: 'op', op: 'OR' });
    i += ch === '&' || ch === '|' ? 2 : 1;
    atStart = true;
  }
  return tokens;
}

const tagged = (language: Language): { language?: Language } => (language === 'en' ? {} : { language });

function termNode(value: string, suffix: string, languages: readonly Language[]): QueryNode | null {
  if (!value) return null;
  const primary = languages[0] ?? 'en';
  if (suffix === '*') return { type: 'term', value, prefix: true, ...tagged(primary) };
  if (suffix.startsWith('~')) {
    const explicit = suffix.length > 1 ? Number(suffix.slice(1)) : undefined;
    const distance = explicit ?? (value.length <= 5 ? 1 : 2);
    if (distance > 0) return { type: 'term', value, fuzzy: Math.min(2, distance), ...tagged(primary) };
  }
  if (isStopWord(value, primary)) return null;
  const byStem = new Map<string, QueryNode>();
  for (const language of languages) {
    if (language !== primary && isStopWord(value, language)) continue;
    const key = stem(value, language);
    if (!byStem.has(key)) byStem.set(key, { type: 'term', value, ...tagged(language) });
  }
  const nodes = [...byStem.values()];
  return nodes.length === 1 ? nodes[0]! : { type: 'or', children: nodes };
}

/** A typed word: one term, or an OR of its pieces (elisions, Japanese and Chinese segments). */
function wordNode(text: string, suffix: string, languages: readonly Language[]): QueryNode | null {
  const pieces = words(text, languages[0]);
  if (pieces.length === 1) return termNode(pieces[0]!, suffix, languages);
  return combine(
    'or',
    pieces.map((piece, i) => termNode(piece, i === pieces.length - 1 ? suffix : '', languages)),
  );
}

function phraseNode(terms: string[], languages: readonly Language[]): QueryNode | null {
  const byTokens = new Map<string, QueryNode>();
  for (const language of languages) {
    const key = tokenize(terms.join(' '), language).join(' ');
    if (!byTokens.has(key)) byTokens.set(key, { type: 'phrase', terms, ...tagged(language) });
  }
  const nodes = [...byTokens.values()];
  return nodes.length === 1 ? nodes[0]! : { type: 'or', children: nodes };
}

function combine(type: 'and' | 'or', children: Array<QueryNode | null>): QueryNode | null {
  const kept: QueryNode[] = [];
  for (const child of children) {
    if (!child) continue;
    if (child.type === type) kept.push(...child.children);
    else kept.push(child);
  }
  if (kept.length === 0) return null;
  if (kept.length === 1) return kept[0]!;
  if (type === 'or') {
    // Negative clauses narrow their positive siblings instead of OR-ing with them.
    const negative = kept.filter((c) => c.type === 'not');
    const positive = kept.filter((c) => c.type !== 'not');
    if (negative.length > 0 && positive.length > 0) {
      const base: QueryNode = positive.length === 1 ? positive[0]! : { type: 'or', children: positive };
      return { type: 'and', children: [base, ...negative] };
    }
  }
  return { type, children: kept };
}

class Parser {
  private pos = 0;
  private terms = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly languages: readonly Language[],
  ) {}

  parse(): QueryNode | null {
    const parts: Array<QueryNode | null> = [];
    while (this.pos < this.tokens.length) {
      parts.push(this.orExpr(0));
      if (this.peek()?.kind === 'close') this.pos += 1; // stray ')' is ignored
    }
    return combine('or', parts);
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private orExpr(depth: number): QueryNode | null {
    const parts: Array<QueryNode | null> = [];
    while (this.pos < this.tokens.length && this.peek()?.kind !== 'close') {
      const token = this.peek()!;
      if (token.kind === 'op' && token.op === 'OR') {
        this.pos += 1;
        continue;
      }
      parts.push(this.andExpr(depth));
    }
    return combine('or', parts);
  }

  private andExpr(depth: number): QueryNode | null {
    const parts: Array<QueryNode | null> = [this.unary(depth)];
    while (this.peek()?.kind === 'op' && (this.peek() as { op: string }).op === 'AND') {
      this.pos += 1;
      const next = this.peek();
      if (!next || next.kind === 'close' || (next.kind === 'op' && next.op !== 'NOT')) break;
      parts.push(this.unary(depth));
    }
    return combine('and', parts);
  }

  private unary(depth: number): QueryNode | null {
    const token = this.peek();
    if (!token) return null;
    if ((token.kind === 'op' && token.op === 'NOT') || token.kind === 'neg') {
      this.pos += 1;
      const next = this.peek();
      if (!next || next.kind === 'close' || (next.kind === 'op' && next.op !== 'NOT')) return null;
      const child = this.unary(depth);
      if (!child) return null;
      return child.type === 'not' ? child.child : { type: 'not', child };
    }
    return this.primary(depth);
  }

  private primary(depth: number): QueryNode | null {
    const token = this.tokens[this.pos++];
    if (!token) return null;
    switch (token.kind) {
      case 'open': {
        if (depth >= MAX_DEPTH) return null;
        const inner = this.orExpr(depth + 1);
        if (this.peek()?.kind === 'close') this.pos += 1;
        return inner;
      }
      case 'phrase': {
        const terms = words(token.text, this.languages[0]);
        if (this.terms + terms.length > MAX_TERMS || terms.length === 0) return null;
        this.terms += terms.length;
        if (terms.length === 1) return termNode(terms[0]!, '', this.languages);
        return phraseNode(terms, this.languages);
      }
      case 'word':
        if (this.terms >= MAX_TERMS) return null;
        this.terms += 1;
        return wordNode(token.text, token.suffix, this.languages);
      default:
        return null; // lone operators and stray ')' degrade to nothing
    }
  }
}

/** Plain OR of the non-stop-word terms: the fallback if anything unexpected happens. */
function degrade(text: string, languages: readonly Language[]): QueryNode | null {
  const terms = words(text, languages[0])
    .slice(0, MAX_TERMS)
    .map((value) => termNode(value, '', languages));
  return combine('or', terms);
}

export interface KeywordQueryOptions {
  /** The languages to search in, the query's own first (default: English alone). */
  languages?: readonly Language[];
}

export function parseKeywordQuery(raw: string, options: KeywordQueryOptions = {}): KeywordQuery {
  const languages: readonly Language[] = options.languages?.length ? options.languages : ['en'];
  const text = String(raw ?? '')
    .slice(0, MAX_QUERY_CHARS)
    .normalize('NFKC');
  try {
    return { raw, ast: new Parser(lex(text), languages).parse() };
  } catch {
    return { raw, ast: degrade(text, languages) };
  }
}
