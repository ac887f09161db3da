/**
 * Dedupe across layers for recall (pure): a lower-ranked memory is dropped when its text
 * says the same as one already kept — identical after normalization, one contained in the
 * other (an emotional or pair memory quoting the message), or a token-set Jaccard overlap
 * of at least JACCARD — or when it is a verbatim-derived memory (episodic, emotional,
 * associative) whose source messages are all already covered by kept memories. A session
 * summary is kept although it contains a kept line (it quotes a few and says more).
 */
import type { SearchResult } from '../types.ts';

export const JACCARD = 0.85;
const MIN_CONTAINED = 16;

function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let inter = 0;
  for (const t of a) if (b.has(t)) inter++;
  const union = a.size + b.size - inter;
  return union ? inter / union : 0;
}

const VERBATIM = new Set(['episodic', 'emotional', 'associative']);

export function dedupeRanked(ranked: SearchResult[]): SearchResult[] {
  const kept: Array<{ norm: string; tokens: Set<string>; result: SearchResult }> = [];
  const covered = new Set<string>();
  for (const result of ranked) {
    const messageIds = result.memory.sources.map((s) => s.messageId).filter((id): id is string => !!id);
    if (VERBATIM.has(result.memory.layer) && messageIds.length && messageIds.every((id) => covered.has(id)))
      continue;
    const norm = normalize(result.memory.content.replace(/^[^:\n]{1,40}:\s/, ''));
    const tokens = new Set(norm.split(' ').filter(Boolean));
    // A verbatim memory that brings a message not yet covered (a pair adding the reply to
    // an already kept question) stays: the neighbouring turn is often the answer.
    const bringsNew = VERBATIM.has(result.memory.layer) && messageIds.some((id) => !covered.has(id));
    const summary = result.memory.metadata.kind === 'session-summary';
    const dup =
      !bringsNew &&
      kept.some((k) => {
        if (k.result.memory.id === result.memory.id || k.norm === norm) return true;
        const [short, long] = k.norm.length < norm.length ? [k.norm, norm] : [norm, k.norm];
        // A session summary quotes a few lines of its session: it says more than any one of
        // them, and each line says more than its (shortened) quote.
        const either = summary || k.result.memory.metadata.kind === 'session-summary';
        if (short.length >= MIN_CONTAINED && long.includes(short) && !either) return true;
        return jaccard(k.tokens, tokens) >= JACCARD;
      });
    if (dup) continue;
    kept.push({ norm, tokens, result });
    // Only verbatim memories cover their messages: a fact or event derived from a message
    // does not replace the message's own words.
    if (VERBATIM.has(result.memory.layer)) for (const id of messageIds) covered.add(id);
  }
  return kept.map((k) => k.result);
}
