/**
 * The consolidate job (library + CLI): per user,
 * - dedupe: same-layer memories with cosine ≥ config.layers.dedupeThreshold merge into the
 *   older one (sources and links united, op 'merge'); the duplicate is marked
 *   supersededBy the keeper (op 'merge'), hidden from search but kept in history;
 * - conflicts: single-valued semantic facts with several current objects → the newest wins;
 * - summarize: episodic detail of a chat older than config.layers.summarizeAfterDays is
 *   compressed into a symbolic summary (extractive, or by the LLM when layers.llm is set) whose sources are all the episodes';
 *   the episodes are kept and marked summarizedBy;
 * - replay: important memories (importance ≥ 0.7) get a strength boost (slower decay);
 * - retention: only with config.layers.retentionDays, memories older than that, never
 *   accessed and of importance < 0.5 are deleted. Nothing else ever deletes.
 */
import type { EngineContext } from '../layers/context.ts';
import { summarizeWithLlm } from '../layers/symbolic/llm-summary.ts';
import { summarizeThread, type ThreadSummary } from '../layers/symbolic/summarize.ts';
import { newMemory } from '../records.ts';
import type { StoreFilter } from '../stores/types.ts';
import type { ConsolidateResult, Memory, SourceRef } from '../types.ts';
import { nowIso } from '../util/clock.ts';
import { stableId } from '../util/ids.ts';

const DAY = 86_400_000;
const REPLAY_IMPORTANCE = 0.7;
const REPLAY_BOOST = 0.2;
const MAX_SCAN = 20_000;

async function listAll(ctx: EngineContext, filter: StoreFilter): Promise<Memory[]> {
  const out: Memory[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.store.list(filter, cursor ? { limit: 1000, cursor } : { limit: 1000 });
    out.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && out.length < MAX_SCAN);
  return out;
}

function bump(m: Memory, now: string, patch: Partial<Memory>): Memory {
  return { ...m, ...patch, version: m.version + 1, updatedAt: now };
}

/** `sources` without repeats (same chat, message and turn). */
export function uniqueSources(sources: SourceRef[]): SourceRef[] {
  const seen = new Set<string>();
  return sources.filter((s) => {
    const key = `${s.chatId}\u0000${s.messageId}\u0000${s.turnId}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function dedupe(ctx: EngineContext, userId: string, now: string): Promise<number> {
  const memories = await listAll(ctx, { userId, includeSuperseded: false });
  const vectors = await ctx.store.getVectors(
    userId,
    memories.map((m) => m.id),
  );
  const gone = new Set<string>();
  let merged = 0;
  for (const keeper of memories) {
    if (gone.has(keeper.id)) continue;
    const vector = vectors.get(keeper.id);
    if (!vector) continue;
    const hits = await ctx.store.vectorSearch({ userId, layers: [keeper.layer] }, vector, 5);
    const dups = hits
      .filter((h) => h.id !== keeper.id && h.score >= ctx.config.layers.dedupeThreshold && !gone.has(h.id))
      .map((h) => memories.find((m) => m.id === h.id))
      .filter((m): m is Memory => !!m && m.createdAt >= keeper.createdAt);
    if (!dups.length) continue;
    const current = (await ctx.store.get(userId, keeper.id)) ?? keeper;
    const next = bump(current, now, {
      sources: uniqueSources([...current.sources, ...dups.flatMap((d) => d.sources)]),
      links: [...new Set([...current.links, ...dups.flatMap((d) => d.links)])].filter(
        (id) => id !== keeper.id,
      ),
      importance: Math.max(current.importance, ...dups.map((d) => d.importance)),
      metadata: {
        ...current.metadata,
        mergedFrom: [...((current.metadata.mergedFrom as string[]) ?? []), ...dups.map((d) => d.id)],
      },
    });
    await ctx.store.update([
      { memory: next, op: 'merge' },
      ...dups.map((d) => ({ memory: bump(d, now, { supersededBy: keeper.id }), op: 'merge' as const })),
    ]);
    for (const d of dups) gone.add(d.id);
    merged += dups.length;
  }
  return merged;
}

async function conflicts(ctx: EngineContext, userId: string, now: string): Promise<number> {
  const facts = (await listAll(ctx, { userId, layers: ['semantic'], includeSuperseded: false })).filter(
    (m) => m.metadata.single === true,
  );
  const groups = new Map<string, Memory[]>();
  for (const f of facts) {
    const key = `${f.metadata.subject}\u0000${f.metadata.predicate}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  let superseded = 0;
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    group.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    const newest = group.at(-1) as Memory;
    const stale = group.slice(0, -1);
    await ctx.store.update(
      stale.map((m) => ({ memory: bump(m, now, { supersededBy: newest.id }), op: 'supersede' as const })),
    );
    superseded += stale.length;
  }
  return superseded;
}

async function summarize(ctx: EngineContext, userId: string, now: string): Promise<number> {
  const cutoff = new Date(Date.parse(now) - ctx.config.layers.summarizeAfterDays * DAY).toISOString();
  const old = (
    await listAll(ctx, { userId, layers: ['episodic'], until: cutoff, includeSuperseded: false })
  ).filter((m) => !m.metadata.summarizedBy && m.metadata.kind === 'message');
  const byChat = new Map<string, Memory[]>();
  for (const m of old) {
    const chat = String(m.metadata.chatId ?? 'default');
    byChat.set(chat, [...(byChat.get(chat) ?? []), m]);
  }
  let summarized = 0;
  for (const [chatId, episodes] of byChat) {
    if (episodes.length < 3) continue;
    const texts = episodes.map((e) => e.content);
    let thread: ThreadSummary | null = null;
    if (ctx.config.layers.llm) {
      try {
        thread = await summarizeWithLlm(ctx.config.layers.llm, texts);
      } catch (error) {
        ctx.logger.warn({ err: error, chatId }, 'LLM summary failed; using the extractive summary');
      }
    }
    const { summary, themes } = thread ?? summarizeThread(texts);
    const first = episodes[0] as Memory;
    const lastEp = episodes.at(-1) as Memory;
    const id = stableId(userId, 'symbolic', chatId, first.id, lastEp.id);
    const content = `Summary of chat ${chatId} (${first.createdAt.slice(0, 10)} to ${lastEp.createdAt.slice(0, 10)}; themes: ${themes.join(', ')}): ${summary}`;
    const [vector] = await ctx.embedder.embedMany([content]);
    const memory = newMemory(
      {
        id,
        userId,
        layer: 'symbolic',
        content,
        createdAt: lastEp.createdAt,
        importance: 0.6,
        sources: uniqueSources(episodes.flatMap((e) => e.sources)),
        links: episodes.map((e) => e.id).slice(0, 64),
        metadata: {
          kind: 'summary',
          chatId,
          themes,
          episodeCount: episodes.length,
          from: first.createdAt,
          to: lastEp.createdAt,
        },
      },
      now,
      ctx.embedder.id,
    );
    if (await ctx.store.get(userId, id)) continue;
    // The summary and the summarizedBy marks land together, so a failure never leaves a
    // summary whose episodes would be summarized again.
    await ctx.store.commit({
      insert: [{ memory, vector: vector ?? null }],
      update: episodes.map((e) => ({
        memory: bump(e, now, { metadata: { ...e.metadata, summarizedBy: id } }),
        op: 'update' as const,
      })),
    });
    summarized += episodes.length;
  }
  return summarized;
}

async function replay(ctx: EngineContext, userId: string, now: string): Promise<number> {
  const important = (await listAll(ctx, { userId, includeSuperseded: false })).filter(
    (m) => m.importance >= REPLAY_IMPORTANCE,
  );
  if (important.length) {
    await ctx.store.touch(
      userId,
      important.map((m) => m.id),
      now,
      REPLAY_BOOST,
    );
  }
  return important.length;
}

async function retention(ctx: EngineContext, userId: string, now: string): Promise<number> {
  const days = ctx.config.layers.retentionDays;
  if (!days) return 0;
  const cutoff = new Date(Date.parse(now) - days * DAY).toISOString();
  const stale = (await listAll(ctx, { userId, until: cutoff })).filter(
    (m) => m.accessCount === 0 && m.importance < 0.5,
  );
  return stale.length
    ? ctx.store.delete(
        userId,
        stale.map((m) => m.id),
      )
    : 0;
}

/** Options of {@link StrataMemory.consolidate}. */
export interface ConsolidateOptions {
  userId?: string;
  /** Which jobs to run; all by default. */
  jobs?: Array<'dedupe' | 'conflicts' | 'summarize' | 'replay' | 'retention'>;
}

export async function consolidate(
  ctx: EngineContext,
  options: ConsolidateOptions = {},
): Promise<ConsolidateResult> {
  const jobs = new Set(options.jobs ?? ['dedupe', 'conflicts', 'summarize', 'replay', 'retention']);
  const users = options.userId ? [options.userId] : await ctx.store.users();
  const result: ConsolidateResult = { merged: 0, superseded: 0, summarized: 0, reinforced: 0, deleted: 0 };
  for (const userId of users) {
    const now = nowIso(ctx.clock);
    if (jobs.has('dedupe')) result.merged += await dedupe(ctx, userId, now);
    if (jobs.has('conflicts')) result.superseded += await conflicts(ctx, userId, now);
    if (jobs.has('summarize')) result.summarized += await summarize(ctx, userId, now);
    if (jobs.has('replay')) result.reinforced += await replay(ctx, userId, now);
    if (jobs.has('retention')) result.deleted += await retention(ctx, userId, now);
  }
  return result;
}
