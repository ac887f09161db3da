/**
 * Extractive session summaries (pure, no LLM): one line that says what a finished session
 * was about, written by the background summarizer (pipeline/session-summaries.ts). It
 * names the session's date and speakers, the entities the associative layer found in it
 * (most mentioned first; topic words when there are none), its most salient sentences (TF-IDF centrality to the session,
 * lifted for sentences that carry an entity, a number or a time expression; questions and
 * small talk lowered) with relative dates resolved by the caller's resolver. The sentences' memories become the summary's sources, so a summary that
 * ranks points at the turns it quotes, not at the whole session.
 */
import { findTimeExpressions } from '../../text/time-expressions.ts';
import { isStopWord, tokenize } from '../../text/tokenize.ts';
import type { Memory } from '../../types.ts';
import { extractEntities } from '../associative/entities.ts';
import { sentences, truncate } from '../text.ts';
import { cosine, summarizeThread, tfidf } from './summarize.ts';

export interface SessionSummary {
  content: string;
  themes: string[];
  entities: string[];
  speakers: string[];
  /** Ids of the message memories the summary quotes. */
  quoted: string[];
}

export interface SessionSummaryOptions {
  /** The session's date as the user reads it ("7 May 2023"). */
  dateLabel: string;
  /** Resolves relative dates of a sentence said at `said` ("yesterday" → "yesterday (6 May 2023)"). */
  resolve: (text: string, said: Date) => string;
  maxSentences?: number;
  maxChars?: number;
}

interface Candidate {
  memory: Memory;
  speaker: string;
  text: string;
  tokens: string[];
  order: number;
}

const MAX_SENTENCE_CHARS = 150;
const MAX_ENTITIES = 6;
const ENTITIES_PER_SPEAKER = 5;

/** "Caroline: I went…" → ["Caroline", "I went…"]; no prefix → role name. */
function splitSpeaker(memory: Memory): [string, string] {
  const match = /^([^:\n]{1,40}):\s([\s\S]*)$/.exec(memory.content);
  if (match) return [match[1]!.trim(), match[2]!];
  return [memory.metadata.role === 'assistant' ? 'Assistant' : 'User', memory.content];
}

function candidatesOf(messages: readonly Memory[]): Candidate[] {
  const out: Candidate[] = [];
  for (const memory of messages) {
    const [speaker, text] = splitSpeaker(memory);
    for (const sentence of sentences(text)) {
      const tokens = tokenize(sentence).filter((t) => !isStopWord(t));
      if (tokens.length < 3) continue;
      out.push({ memory, speaker, text: sentence, tokens, order: out.length });
    }
  }
  return out;
}

function overlap(a: readonly string[], b: readonly string[]): number {
  const set = new Set(a);
  const shared = b.filter((t) => set.has(t)).length;
  return shared / Math.max(1, Math.min(a.length, b.length));
}

/** Salience of each sentence: centrality, lifted by what makes a sentence worth recalling. */
function salience(candidates: Candidate[], entities: readonly string[]): number[] {
  const vectors = tfidf(candidates.map((c) => c.tokens));
  const centroid = new Map<string, number>();
  for (const v of vectors) for (const [t, x] of v) centroid.set(t, (centroid.get(t) ?? 0) + x);
  return candidates.map((c, i) => {
    const lower = c.text.toLowerCase();
    let s = cosine(vectors[i]!, centroid);
    if (entities.some((e) => lower.includes(e))) s *= 1.4;
    if (/\d/.test(c.text)) s *= 1.2;
    if (findTimeExpressions(c.text, new Date(c.memory.createdAt), 'UTC').length > 0) s *= 1.3;
    if (c.text.trim().endsWith('?')) s *= 0.5;
    // An exclamation of a few words ("Wow, love that painting!") is a reaction, not news.
    if (c.tokens.length < 5 && !/\d/.test(c.text)) s *= 0.6;
    if (/\b(i|i'm|i've|my|we|our)\b/i.test(c.text)) s *= 1.2;
    if (c.tokens.length > 25) s *= 0.8;
    return s;
  });
}

/**
 * What each speaker talked about: the entities of their messages (one compromise parse per
 * speaker), most mentioned first. Multi-hop questions ask for one person's things across
 * sessions ("what activities does she do?"), so the summary says whose they are.
 */
function speakerEntities(messages: readonly Memory[], speakers: readonly string[]): Map<string, string[]> {
  const skip = new Set(speakers.flatMap((s) => s.toLowerCase().split(/\s+/)));
  const out = new Map<string, string[]>();
  for (const speaker of speakers) {
    const text = messages
      .map((m) => splitSpeaker(m))
      .filter(([who]) => who === speaker)
      .map(([, said]) => said)
      .join('\n');
    const lower = text.toLowerCase();
    const counted = extractEntities(text, 40)
      // Not a speaker's name or its short form ("Mel" for Melanie, said to them).
      .filter((e) => !skip.has(e) && !speakers.some((s) => s.toLowerCase().startsWith(e)))
      .map((e, i) => ({ e, i, n: lower.split(e).length - 1 }))
      .sort((a, b) => b.n - a.n || a.i - b.i)
      .slice(0, ENTITIES_PER_SPEAKER)
      .map((x) => x.e);
    if (counted.length) out.set(speaker, counted);
  }
  return out;
}

/** The session's entities (from its associative memories), most mentioned first. */
function sessionEntities(memories: readonly Memory[], speakers: readonly string[]): string[] {
  const counts = new Map<string, number>();
  const skip = new Set(speakers.map((s) => s.toLowerCase()));
  const ordered = [...memories].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const m of ordered) {
    const list = m.metadata.entities;
    if (!Array.isArray(list)) continue;
    for (const e of list) {
      if (typeof e !== 'string' || skip.has(e)) continue;
      counts.set(e, (counts.get(e) ?? 0) + 1);
    }
  }
  // Most mentioned first; among equals, the first mentioned (Map keeps insertion order).
  return [...counts.entries()]
    .map(([e, n], i) => ({ e, n, i }))
    .sort((a, b) => b.n - a.n || a.i - b.i)
    .map((x) => x.e)
    .slice(0, MAX_ENTITIES);
}

/**
 * Summarizes one session from its memories (any layers, any order): message memories give
 * the sentences, associative memories the entities. Null when it has no message.
 */
export function summarizeSession(
  memories: readonly Memory[],
  options: SessionSummaryOptions,
): SessionSummary | null {
  const messages = memories
    .filter((m) => m.layer === 'episodic' && m.metadata.kind === 'message')
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  if (messages.length === 0) return null;
  // The user's side first: "Session of … (Caroline, Melanie)" names whose memory it is.
  const byRole = [...messages].sort(
    (a, b) => Number(a.metadata.role === 'assistant') - Number(b.metadata.role === 'assistant'),
  );
  const speakers = [...new Set(byRole.map((m) => splitSpeaker(m)[0]))];
  const entities = sessionEntities(memories, speakers);
  const candidates = candidatesOf(messages);
  const scores = salience(candidates, entities);
  const maxSentences = options.maxSentences ?? 2;
  const picked: Candidate[] = [];
  for (const i of scores.map((s, i) => ({ s, i })).sort((a, b) => b.s - a.s)) {
    const c = candidates[i.i]!;
    if (picked.some((p) => overlap(p.tokens, c.tokens) > 0.6)) continue;
    picked.push(c);
    if (picked.length >= maxSentences) break;
  }
  picked.sort((a, b) => a.order - b.order);
  const { themes } = summarizeThread(
    messages.map((m) => splitSpeaker(m)[1]),
    0,
    5,
  );
  const topics = themes.filter(
    (t) =>
      !speakers.some((s) => s.toLowerCase() === t) && findTimeExpressions(t, new Date(0), 'UTC').length === 0,
  );
  const said = picked.map(
    (c) =>
      `${c.speaker}: ${truncate(options.resolve(c.text, new Date(c.memory.createdAt)), MAX_SENTENCE_CHARS)}`,
  );
  const head = `Session of ${options.dateLabel} (${speakers.join(', ')}, ${messages.length} messages)`;
  const bySpeaker = speakerEntities(messages, speakers);
  const about = bySpeaker.size
    ? `: ${[...bySpeaker].map(([who, list]) => `${who} on ${list.join(', ')}`).join('; ')}`
    : entities.length
      ? ` about ${entities.join(', ')}`
      : '';
  // The entities say what it was about; topic words only when no entity was found.
  const tail = !entities.length && topics.length ? ` Topics: ${topics.join(', ')}.` : '';
  const content = truncate(`${head}${about}. ${said.join(' ')}${tail}`, options.maxChars ?? 600);
  return {
    content,
    themes: topics,
    entities,
    speakers,
    quoted: [...new Set(picked.map((c) => c.memory.id))],
  };
}
