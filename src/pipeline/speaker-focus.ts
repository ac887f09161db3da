/**
 * Speaker focus at recall (pure): when the query names one or more speakers of the stored
 * conversation ("What does Audrey view her pets as?"), what those speakers said answers
 * it far more often than what the other side said to them (on LoCoMo dev 97% of the
 * evidence turns of a question naming one speaker are that speaker's own). Memories
 * attributed to another named speaker are damped by OTHER_SPEAKER; memories without a
 * speaker (facts, hubs, pairs) and every memory of a query that names no speaker are left
 * alone. Speaker names come from the candidates themselves (metadata.speaker, or the
 * `Name: ` prefix of an episodic message), so no extra store read is needed. Generic role
 * labels ("User", "Assistant") never count as names.
 */
import type { SearchResult } from '../types.ts';

/** Multiplier for a memory said by a speaker the query does not name. */
export const OTHER_SPEAKER = 0.5;

const ROLE_LABELS = new Set(['user', 'assistant', 'system']);
const PREFIX = /^([^:\n]{1,40}):\s/;

/** Who said a memory's words, when known: metadata.speaker, else an episodic message's prefix. */
export function speakerOf(result: SearchResult): string | null {
  const m = result.memory;
  const meta = m.metadata.speaker;
  let name: string | undefined;
  if (typeof meta === 'string') name = meta;
  else if (m.layer === 'episodic' && m.metadata.kind === 'message') name = PREFIX.exec(m.content)?.[1];
  const trimmed = name?.trim();
  if (!trimmed || ROLE_LABELS.has(trimmed.toLowerCase())) return null;
  return trimmed;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The speakers (among `names`) the query mentions as a whole word, case-sensitive. */
export function namedSpeakers(query: string, names: Iterable<string>): Set<string> {
  const named = new Set<string>();
  for (const name of names) {
    if (new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(name)}(?![\\p{L}\\p{N}])`, 'u').test(query))
      named.add(name);
  }
  return named;
}

/** `ranked` with memories of speakers the query does not name damped; re-sorted (stable). */
export function focusSpeakers(ranked: readonly SearchResult[], query: string): SearchResult[] {
  const speakers = ranked.map(speakerOf);
  const names = new Set(speakers.filter((s): s is string => s !== null));
  if (names.size < 2) return [...ranked];
  const named = namedSpeakers(query, names);
  if (named.size === 0 || named.size === names.size) return [...ranked];
  const out = ranked.map((r, i) => {
    const who = speakers[i];
    if (!who || named.has(who)) return r;
    return { ...r, score: r.score * OTHER_SPEAKER, signals: { ...r.signals, speaker: OTHER_SPEAKER } };
  });
  return out.sort((a, b) => b.score - a.score);
}
