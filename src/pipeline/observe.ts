/**
 * observeTurn: read the user message's images and recordings into text (media.ts; the new
 * blobs are written just before the memories that refer to them, in the same admitted write,
 * and removed again if that commit fails), normalize the turn, run every enabled layer
 * (in registry order, each seeing the writes of the layers before it), give each write a stable id (userId + chatId +
 * turnId + layer + key, so the same turn observed twice stores nothing new), embed all new
 * texts in one embedMany call, and store them together with the supersedes (op
 * 'supersede') of contradicted facts in one store.commit (all or nothing). A failing
 * optional layer is logged and skipped; the episodic layer failing fails the turn, so no
 * turn is lost silently. Two simultaneous calls for the same turn: the one that loses the
 * commit race (its ids are taken) reports skipped, like any repeat of a stored turn.
 * Every memory records the language of the message it came from (metadata.language), which
 * the stores tokenize it in, and what layers annotate about that message (Layer.annotate).
 * Each stored turn is noted in the user's session tracker, which queues a session summary
 * when the turn starts a new session (session-summaries.ts; the engine runs the queue).
 */

import { ConflictError, toMemoryError } from '../errors.ts';
import { admitWrite, type EngineContext, type ProducedWrite } from '../layers/context.ts';
import { enabledLayers } from '../layers/registry.ts';
import type { Layer, LayerWrite, TurnContext, TurnFacts, TurnMessage } from '../layers/types.ts';
import type { StoredBlob } from '../media/types.ts';
import { newMemory } from '../records.ts';
import { memoryBytes } from '../stores/shared/records.ts';
import type { StoredRecord, UpdateChange } from '../stores/types.ts';
import type { Memory, ObserveResult, TurnInput } from '../types.ts';
import { nowIso } from '../util/clock.ts';
import { stableId } from '../util/ids.ts';
import { withRetry } from '../util/retry.ts';
import { type PreparedMedia, prepareTurnMedia } from './media.ts';
import { normalizeTurn } from './normalize.ts';
import { noteTurn, summariesEnabled } from './session-summaries.ts';
import { planSupersedes } from './supersede.ts';

const MAX_TURN_LINKS = 16;
const COMMIT_RETRIES = 2;

export function writeId(
  userId: string,
  chatId: string,
  turnId: string,
  write: Pick<LayerWrite, 'layer' | 'key'>,
): string {
  return stableId(userId, chatId, turnId, write.layer, write.key);
}

/**
 * A stale version at commit (another writer changed a fact this turn supersedes) or a busy
 * store is retryable: nothing of the turn was stored, so the turn is simply planned again
 * against the new state. Other errors (validation, an id taken by something other than this
 * same turn) surface at once.
 */
export async function observeTurn(ctx: EngineContext, input: TurnInput): Promise<ObserveResult> {
  // Media is read and analysed once; a retried commit reuses what it found.
  const media = await prepareTurnMedia(ctx, input);
  return withRetry(() => observeOnce(ctx, media?.turn ?? input, media), {
    retries: COMMIT_RETRIES,
    minDelayMs: 10,
    maxDelayMs: 200,
    onRetry: (error, attempt) =>
      ctx.logger.debug({ err: error, attempt }, 'observeTurn: commit conflicted; planning the turn again'),
  });
}

async function observeOnce(
  ctx: EngineContext,
  input: TurnInput,
  media: PreparedMedia | null,
): Promise<ObserveResult> {
  const turn = normalizeTurn(ctx, input, media?.media);
  const { userId, chatId, turnId } = turn;
  const episodicUserId = writeId(userId, chatId, turnId, { layer: 'episodic', key: 'user' });
  if (await ctx.store.get(userId, episodicUserId)) return { turnId, stored: [], updated: [], skipped: true };

  const writes: LayerWrite[] = [];
  const base: Omit<TurnContext, 'pending'> = { engine: ctx, ...turn };
  const layers = enabledLayers(ctx.config);
  for (const layer of layers) {
    try {
      writes.push(...(await layer.observe({ ...base, pending: [...writes] })));
    } catch (error) {
      if (layer.name === 'episodic') throw toMemoryError(error);
      ctx.logger.warn(
        { err: error, layer: layer.name, turnId },
        'layer observe failed; turn stored without it',
      );
    }
  }
  if (writes.length === 0) return { turnId, stored: [], updated: [], skipped: false };

  const idByKey = new Map(writes.map((w) => [`${w.layer}:${w.key}`, writeId(userId, chatId, turnId, w)]));
  const links = new Map<string, Set<string>>();
  for (const w of writes) {
    const id = idByKey.get(`${w.layer}:${w.key}`) ?? '';
    const set = links.get(id) ?? new Set<string>();
    links.set(id, set);
    for (const key of w.linkKeys ?? []) {
      const other = idByKey.get(key);
      if (!other || other === id) continue;
      set.add(other);
      // Co-occurrence links are symmetric.
      const back = links.get(other) ?? new Set<string>();
      back.add(id);
      links.set(other, back);
    }
    for (const other of w.linkIds ?? []) if (other !== id) set.add(other);
  }

  const existing = new Set((await ctx.store.getMany(userId, [...idByKey.values()])).map((m) => m.id));
  const now = nowIso(ctx.clock);
  const fresh = writes.filter((w) => !existing.has(idByKey.get(`${w.layer}:${w.key}`) ?? ''));
  const vectors = fresh.length ? await ctx.embedder.embedMany(fresh.map((w) => w.content)) : [];
  const records: StoredRecord[] = fresh.map((w, i) => {
    const id = idByKey.get(`${w.layer}:${w.key}`) ?? '';
    const message = messageOf(turn, w);
    const metadata: Record<string, unknown> = {
      ...turn.metadata,
      ...annotations(layers, message),
      ...w.metadata,
      turnId,
      chatId,
    };
    if (message.language && typeof w.metadata.language !== 'string') metadata.language = message.language;
    // linkStrengths may name same-turn writes by key; rewrite them to ids.
    const strengths = metadata.linkStrengths as Record<string, number> | undefined;
    if (strengths) {
      metadata.linkStrengths = Object.fromEntries(
        Object.entries(strengths).map(([k, v]) => [idByKey.get(k) ?? k, v]),
      );
    }
    const memory: Memory = newMemory(
      {
        id,
        userId,
        layer: w.layer,
        content: w.content,
        createdAt: w.createdAt ?? turn.at.toISOString(),
        importance: Math.max(0, Math.min(1, w.importance)),
        sources: w.sources,
        links: [...(links.get(id) ?? [])].slice(0, MAX_TURN_LINKS),
        metadata,
      },
      now,
      ctx.embedder.id,
    );
    return { memory, vector: vectors[i] ?? null };
  });
  const changes = await planSupersedes(
    ctx,
    userId,
    fresh.flatMap((w) =>
      (w.supersedes ?? []).map((oldId) => ({
        oldId,
        newId: idByKey.get(`${w.layer}:${w.key}`) ?? '',
        write: w,
      })),
    ),
    now,
  );
  // One all-or-nothing write: the new memories never land without the supersedes they imply.
  // It is admitted whole (the quota gate sees every memory of the turn) or refused whole.
  // The session tracker (and a summary job, when this turn starts a new session) is written
  // before the turn: a crash between the two loses no job of a stored turn.
  const queued = summariesEnabled(ctx) ? await noteTurn(ctx, turn) : false;
  if (records.length || changes.length) {
    try {
      const blobs = await newBlobs(ctx, media);
      const produced = ctx.gate ? await producedBy(ctx, userId, records, changes, blobs) : [];
      await admitWrite(ctx, produced, () =>
        commitWithBlobs(ctx, blobs, { insert: records, update: changes }),
      );
    } catch (error) {
      const failure = toMemoryError(error);
      // Two simultaneous calls for the same turn both passed the check above; the one whose
      // ids were taken lost the race. The turn is stored (by the winner), so this call is
      // the idempotent skip it would have been a moment later, not an error.
      if (failure instanceof ConflictError && (await ctx.store.get(userId, episodicUserId)))
        return { turnId, stored: [], updated: [], skipped: true };
      throw failure;
    }
  }
  ctx.sessions?.noted(userId, turn.at, queued);
  const updated = changes.map((c) => c.memory);
  return { turnId, stored: records.map((r) => r.memory), updated, skipped: false };
}

/** The message a write came from: the first one its sources name, else the user's. */
function messageOf(turn: TurnFacts, write: LayerWrite): TurnMessage {
  const messages = [turn.user, turn.assistant, turn.previous].filter(
    (m): m is TurnMessage => m !== undefined,
  );
  return messages.find((m) => write.sources.some((s) => s.messageId === m.id)) ?? turn.user;
}

function annotations(layers: readonly Layer[], message: TurnMessage): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) Object.assign(out, layer.annotate?.(message));
  return out;
}

/** The turn's blobs this user does not have yet (another turn may have stored one since). */
async function newBlobs(ctx: EngineContext, media: PreparedMedia | null): Promise<StoredBlob[]> {
  const fresh: StoredBlob[] = [];
  for (const blob of media?.pending ?? []) {
    if (!(await ctx.media?.blobs.info(blob.userId, blob.id))) fresh.push(blob);
  }
  return fresh;
}

/**
 * The blobs first, then the memories that refer to them: a memory never points at bytes
 * that are not there. When the commit fails, the blobs this write created are removed.
 */
async function commitWithBlobs(
  ctx: EngineContext,
  blobs: StoredBlob[],
  commit: { insert: StoredRecord[]; update: UpdateChange[] },
): Promise<void> {
  const created: StoredBlob[] = [];
  const store = ctx.media?.blobs;
  try {
    for (const blob of blobs) if (store && (await store.put(blob))) created.push(blob);
    await ctx.store.commit(commit);
  } catch (error) {
    for (const blob of created) await store?.delete(blob.userId, [blob.id]).catch(() => undefined);
    throw error;
  }
}

/** What a turn's commit adds for the quota: its new memories and blobs, and the bytes they and the updates add. */
async function producedBy(
  ctx: EngineContext,
  userId: string,
  records: StoredRecord[],
  changes: UpdateChange[],
  blobs: StoredBlob[] = [],
): Promise<ProducedWrite[]> {
  let bytes = records.reduce((sum, r) => sum + memoryBytes(r.memory), 0);
  bytes += blobs.reduce((sum, b) => sum + b.bytes, 0);
  if (changes.length > 0) {
    const before = await ctx.store.getMany(
      userId,
      changes.map((c) => c.memory.id),
    );
    const old = new Map(before.map((m) => [m.id, memoryBytes(m)]));
    for (const change of changes) bytes += memoryBytes(change.memory) - (old.get(change.memory.id) ?? 0);
  }
  return [{ userId, memories: records.length, bytes }];
}
