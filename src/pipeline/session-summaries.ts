/**
 * Session summaries written as conversations go. observeTurn calls noteTurn() before it
 * commits a turn: it updates the user's session tracker (a per-user state entry of the
 * store, so it lives in the same SQLite file as the memories) and, when the turn starts a
 * new session (a gap of config.layers.sessionSummaries.gapMinutes since the last turn,
 * another chat, or everyTurns turns reached), queues a job for the session that ended.
 * The queue is that same state entry: a job is durable once noteTurn returns, and since
 * it is written before the turn's own commit, a crash loses no job of a stored turn.
 * runSummaryJobs() (the engine's background worker, off the request path) writes one
 * symbolic memory per queued session: extractive (layers/symbolic/session-summary.ts),
 * or the LLM summary when layers.llm is set, linked to the session's memories and with
 * the quoted messages as sources; then it drops the job. A job whose summary exists
 * already (a crash after the write) is just dropped. closeIdleSession() ends a session
 * whose last turn is older than the gap, so the last session of a chat gets summarized too.
 *
 * The state holds no user text: chat and turn ids are kept as salted hashes, the rest are
 * instants and counts. Every read and write is one user's (userId in every store filter).
 */
import { createHash } from 'node:crypto';
import { ConflictError } from '../errors.ts';
import type { EngineContext } from '../layers/context.ts';
import { summarizeWithLlm } from '../layers/symbolic/llm-summary.ts';
import { summarizeSession } from '../layers/symbolic/session-summary.ts';
import { newMemory } from '../records.ts';
import type { MemoryStore } from '../stores/types.ts';
import { localDate } from '../text/time-zone.ts';
import type { Memory, SummaryStats } from '../types.ts';
import { nowIso } from '../util/clock.ts';
import { stableId } from '../util/ids.ts';
import { uniqueSources } from './consolidate.ts';
import { resolveRelativeDates } from './format.ts';

export const SESSIONS_KEY = 'symbolic-sessions';
const MAX_LINKS = 64;
const MAX_SCAN = 5_000;

interface OpenSession {
  chat: string;
  from: string;
  last: string;
  turns: string[];
}

export interface SummaryJob {
  id: string;
  chat: string;
  from: string;
  to: string;
  turns: string[];
  queuedAt: string;
}

interface SessionState {
  open: OpenSession | null;
  pending: SummaryJob[];
  written: number;
  lastWrittenAt: string | null;
  /** Queue-to-write time of the last summary written. */
  lastLagMs: number | null;
}

const fallback = new WeakMap<MemoryStore, Map<string, SessionState>>();
const locks = new WeakMap<MemoryStore, Map<string, Promise<unknown>>>();
/** A second lock: one user's jobs run one at a time, without holding up noteTurn. */
const jobLocks = new WeakMap<MemoryStore, Map<string, Promise<unknown>>>();

function empty(): SessionState {
  return { open: null, pending: [], written: 0, lastWrittenAt: null, lastLagMs: null };
}

function parseState(value: unknown): SessionState {
  if (!value || typeof value !== 'object') return empty();
  const v = value as Partial<SessionState>;
  return {
    open: v.open && typeof v.open.chat === 'string' ? { ...v.open, turns: [...(v.open.turns ?? [])] } : null,
    pending: Array.isArray(v.pending) ? v.pending.filter((j) => typeof j?.id === 'string') : [],
    written: typeof v.written === 'number' ? v.written : 0,
    lastWrittenAt: typeof v.lastWrittenAt === 'string' ? v.lastWrittenAt : null,
    lastLagMs: typeof v.lastLagMs === 'number' ? v.lastLagMs : null,
  };
}

async function readState(store: MemoryStore, userId: string): Promise<SessionState> {
  if (store.getState) return parseState(await store.getState(userId, SESSIONS_KEY));
  return parseState(fallback.get(store)?.get(userId));
}

async function writeState(store: MemoryStore, userId: string, state: SessionState): Promise<void> {
  if (store.putState) return store.putState(userId, SESSIONS_KEY, state);
  const map = fallback.get(store) ?? new Map<string, SessionState>();
  fallback.set(store, map);
  map.set(userId, state);
}

/** One user's state changes run one after another in this process (read, change, write). */
function withUser<T>(
  store: MemoryStore,
  userId: string,
  fn: () => Promise<T>,
  table: WeakMap<MemoryStore, Map<string, Promise<unknown>>> = locks,
): Promise<T> {
  const map = table.get(store) ?? new Map<string, Promise<unknown>>();
  table.set(store, map);
  const previous = map.get(userId) ?? Promise.resolve();
  const next = previous.then(fn, fn);
  const settled = next.catch(() => undefined);
  map.set(userId, settled);
  void settled.then(() => {
    if (map.get(userId) === settled) map.delete(userId);
  });
  return next;
}

/** Chat and turn ids as salted hashes: the state entry carries no identifiers in clear. */
function hashOf(userId: string, value: string): string {
  return createHash('sha256').update(`${userId}\u0000${value}`).digest('hex').slice(0, 20);
}

function closeOpen(ctx: EngineContext, userId: string, state: SessionState): boolean {
  const open = state.open;
  state.open = null;
  if (!open || open.turns.length < ctx.config.layers.sessionSummaries.minTurns) return false;
  state.pending.push({
    // The first turn too: split sessions of one chat (everyTurns) may share an instant.
    id: stableId(userId, 'session-summary', open.chat, open.from, open.turns[0] ?? ''),
    chat: open.chat,
    from: open.from,
    to: open.last,
    turns: open.turns,
    queuedAt: nowIso(ctx.clock),
  });
  return true;
}

/** Whether this engine writes session summaries (the symbolic layer on and summaries enabled). */
export function summariesEnabled(ctx: EngineContext): boolean {
  return ctx.config.layers.sessionSummaries.enabled && ctx.config.layers.enabled.includes('symbolic');
}

/**
 * Records a turn in the user's session tracker; true when it ended a session and queued its
 * summary. The same turn noted twice (a retried commit) changes nothing.
 */
export function noteTurn(
  ctx: EngineContext,
  turn: { userId: string; chatId: string; turnId: string; at: Date },
): Promise<boolean> {
  const { userId } = turn;
  return withUser(ctx.store, userId, async () => {
    const state = await readState(ctx.store, userId);
    const chat = hashOf(userId, turn.chatId);
    const id = hashOf(userId, turn.turnId);
    const at = turn.at.toISOString();
    if (state.open?.turns.includes(id)) return false;
    const { gapMinutes, everyTurns } = ctx.config.layers.sessionSummaries;
    let queued = false;
    const open = state.open;
    if (
      open &&
      (open.chat !== chat ||
        turn.at.getTime() - Date.parse(open.last) > gapMinutes * 60_000 ||
        open.turns.length >= everyTurns)
    ) {
      queued = closeOpen(ctx, userId, state);
    }
    if (state.open) {
      if (at > state.open.last) state.open.last = at;
      if (at < state.open.from) state.open.from = at;
      state.open.turns.push(id);
    } else {
      state.open = { chat, from: at, last: at, turns: [id] };
    }
    await writeState(ctx.store, userId, state);
    return queued;
  });
}

/** Ends the user's open session when its last turn is older than the gap at `now`; true when a job was queued. */
export function closeIdleSession(ctx: EngineContext, userId: string, now: Date): Promise<boolean> {
  return withUser(ctx.store, userId, async () => {
    const state = await readState(ctx.store, userId);
    if (!state.open) return false;
    const idle = now.getTime() - Date.parse(state.open.last);
    if (idle <= ctx.config.layers.sessionSummaries.gapMinutes * 60_000) return false;
    const queued = closeOpen(ctx, userId, state);
    await writeState(ctx.store, userId, state);
    return queued;
  });
}

/** The instant (ms) of the user's last tracked turn, or null without an open session. */
export async function openSessionLast(ctx: EngineContext, userId: string): Promise<number | null> {
  const state = await readState(ctx.store, userId);
  return state.open ? Date.parse(state.open.last) : null;
}

/** Users with a tracker (open session or queued jobs); every user of the store's state. */
export async function trackedUsers(ctx: EngineContext): Promise<string[]> {
  if (ctx.store.stateUsers) return ctx.store.stateUsers(SESSIONS_KEY);
  return [...(fallback.get(ctx.store)?.keys() ?? [])];
}

async function sessionMemories(ctx: EngineContext, userId: string, job: SummaryJob): Promise<Memory[]> {
  const turns = new Set(job.turns);
  const out: Memory[] = [];
  let cursor: string | undefined;
  let seen = 0;
  do {
    const page = await ctx.store.list(
      { userId, since: job.from, until: job.to, includeSuperseded: false },
      cursor ? { limit: 500, cursor } : { limit: 500 },
    );
    seen += page.items.length;
    for (const m of page.items) {
      if (m.userId !== userId || typeof m.metadata.turnId !== 'string') continue;
      if (turns.has(hashOf(userId, m.metadata.turnId))) out.push(m);
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor && seen < MAX_SCAN);
  return out;
}

/** Builds the summary memory of one queued session, or null when nothing of it is left. */
async function summaryOf(
  ctx: EngineContext,
  userId: string,
  job: SummaryJob,
): Promise<{ memory: Memory; vector: Float32Array | null } | null> {
  const memories = await sessionMemories(ctx, userId, job);
  const timeZone = ctx.config.timeZone;
  const dateLabel = formatDay(localDate(new Date(job.from), timeZone));
  const extractive = summarizeSession(memories, {
    dateLabel,
    resolve: (text, said) => resolveRelativeDates(text, said, timeZone),
  });
  if (!extractive) return null;
  let content = extractive.content;
  let summarizer = 'extractive';
  const llm = ctx.config.layers.llm;
  if (llm) {
    const texts = memories
      .filter((m) => m.layer === 'episodic' && m.metadata.kind === 'message')
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((m) => m.content);
    try {
      const thread = await summarizeWithLlm(llm, texts);
      const topics = thread.themes.length ? ` Topics: ${thread.themes.join(', ')}.` : '';
      content = `Session of ${dateLabel} (${extractive.speakers.join(', ')}): ${thread.summary}${topics}`;
      summarizer = 'llm';
    } catch (error) {
      ctx.logger.warn({ err: error, userId }, 'LLM session summary failed; using the extractive summary');
    }
  }
  const byId = new Map(memories.map((m) => [m.id, m]));
  const quoted = extractive.quoted.map((id) => byId.get(id)).filter((m): m is Memory => !!m);
  const linked = memories
    .filter((m) => m.layer === 'episodic' || m.layer === 'temporal' || m.layer === 'semantic')
    .sort((a, b) => b.importance - a.importance)
    .slice(0, MAX_LINKS)
    .map((m) => m.id);
  const chatId = memories.find((m) => typeof m.metadata.chatId === 'string')?.metadata.chatId;
  const [vector] = await ctx.embedder.embedMany([content]);
  const memory = newMemory(
    {
      id: stableId(userId, 'symbolic', job.id),
      userId,
      layer: 'symbolic',
      content,
      createdAt: job.to,
      importance: 0.5,
      sources: uniqueSources(quoted.flatMap((m) => m.sources)),
      links: linked,
      metadata: {
        kind: 'session-summary',
        ...(typeof chatId === 'string' ? { chatId } : {}),
        from: job.from,
        to: job.to,
        turns: job.turns.length,
        themes: extractive.themes,
        entities: extractive.entities,
        speakers: extractive.speakers,
        summarizer,
      },
    },
    nowIso(ctx.clock),
    ctx.embedder.id,
  );
  return { memory, vector: vector ?? null };
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** "2023-05-07" → "7 May 2023" (the form a question's answer uses). */
function formatDay(isoDay: string): string {
  const [y, m, d] = isoDay.split('-').map(Number);
  return `${d} ${MONTHS[(m ?? 1) - 1]} ${y}`;
}

/** Runs the user's queued jobs, oldest first; returns how many summaries were written. */
export function runSummaryJobs(ctx: EngineContext, userId: string): Promise<number> {
  return withUser(ctx.store, userId, () => runJobs(ctx, userId), jobLocks);
}

async function runJobs(ctx: EngineContext, userId: string): Promise<number> {
  let written = 0;
  for (;;) {
    const job = (await readState(ctx.store, userId)).pending[0];
    if (!job) return written;
    const id = stableId(userId, 'symbolic', job.id);
    let wrote = false;
    if (!(await ctx.store.get(userId, id))) {
      const made = await summaryOf(ctx, userId, job);
      if (made) {
        try {
          await ctx.store.insert([{ memory: made.memory, vector: made.vector }], 'create');
          wrote = true;
          written += 1;
        } catch (error) {
          // Another process wrote this summary first: the job is done all the same.
          if (!(error instanceof ConflictError && (await ctx.store.get(userId, id)))) throw error;
        }
      }
    }
    await withUser(ctx.store, userId, async () => {
      const state = await readState(ctx.store, userId);
      state.pending = state.pending.filter((j) => j.id !== job.id);
      if (wrote) {
        const now = nowIso(ctx.clock);
        state.written += 1;
        state.lastWrittenAt = now;
        state.lastLagMs = Math.max(0, Date.parse(now) - Date.parse(job.queuedAt));
      }
      await writeState(ctx.store, userId, state);
    });
  }
}

/** Summary queue figures for one user, or summed over every tracked user. */
export async function summaryStats(ctx: EngineContext, userId?: string): Promise<SummaryStats> {
  const users = userId === undefined ? await trackedUsers(ctx) : [userId];
  const out: SummaryStats = { pending: 0, oldestQueuedAt: null, lagMs: 0, written: 0, lastLagMs: null };
  let lastAt = '';
  for (const user of users) {
    const state = await readState(ctx.store, user);
    out.pending += state.pending.length;
    out.written += state.written;
    for (const job of state.pending) {
      if (out.oldestQueuedAt === null || job.queuedAt < out.oldestQueuedAt) out.oldestQueuedAt = job.queuedAt;
    }
    if (state.lastWrittenAt && state.lastWrittenAt > lastAt) {
      lastAt = state.lastWrittenAt;
      out.lastLagMs = state.lastLagMs;
    }
  }
  if (out.oldestQueuedAt) out.lagMs = Math.max(0, ctx.clock.now().getTime() - Date.parse(out.oldestQueuedAt));
  return out;
}
