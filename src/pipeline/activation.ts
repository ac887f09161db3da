/**
 * Associative dynamics at recall. spreadActivation: from the top hits, activation flows
 * along memory.links (at most MAX_HOPS hops, FAN_OUT links per memory, strongest first),
 * each hop multiplying by DECAY and the link's strength, so strongly linked memories that
 * search missed can surface. strengthenCoRecalled: when two linked memories are recalled
 * together, the stored link strength grows by STRENGTH_STEP (capped at 1), written as a
 * new version of the memory that owns the link, all owners in one store.commit.
 */
import type { EngineContext } from '../layers/context.ts';
import type { UpdateChange } from '../stores/types.ts';
import type { Memory } from '../types.ts';

export const MAX_HOPS = 2;
export const FAN_OUT = 5;
export const SEEDS = 5;
export const DECAY = 0.5;
export const STRENGTH_STEP = 0.1;
const DEFAULT_STRENGTH = 0.3;
const MAX_STRENGTH_UPDATES = 5;

export function linkStrength(memory: Memory, target: string): number {
  const strengths = memory.metadata.linkStrengths as Record<string, number> | undefined;
  const s = strengths?.[target];
  return typeof s === 'number' ? s : DEFAULT_STRENGTH;
}

export interface Activated {
  memory: Memory;
  /** Activation in the same units as the seeds' scores. */
  activation: number;
}

export async function spreadActivation(
  ctx: EngineContext,
  userId: string,
  seeds: Array<{ memory: Memory; score: number }>,
  known: Set<string>,
): Promise<Activated[]> {
  const found = new Map<string, Activated>();
  let frontier = seeds.slice(0, SEEDS).map((s) => ({ memory: s.memory, activation: s.score }));
  for (let hop = 0; hop < MAX_HOPS && frontier.length; hop++) {
    const wanted = new Map<string, number>();
    for (const { memory, activation } of frontier) {
      const targets = memory.links
        .map((id) => [id, linkStrength(memory, id)] as const)
        .sort((a, b) => b[1] - a[1])
        .slice(0, FAN_OUT);
      for (const [id, strength] of targets) {
        const a = activation * DECAY * strength;
        if (a > (wanted.get(id) ?? 0)) wanted.set(id, a);
      }
    }
    const ids = [...wanted.keys()].filter((id) => !known.has(id) && !found.has(id));
    if (!ids.length) break;
    const memories = await ctx.store.getMany(userId, ids);
    frontier = [];
    for (const memory of memories) {
      if (memory.userId !== userId || memory.supersededBy) continue;
      const activation = wanted.get(memory.id) ?? 0;
      found.set(memory.id, { memory, activation });
      frontier.push({ memory, activation });
    }
  }
  return [...found.values()];
}

/**
 * Two recalled memories are "recalled together" through a direct link (A.links has B) or
 * through an associative hub both are linked with; the owner of the link (A, or the hub)
 * gets the higher strength.
 */
export async function strengthenCoRecalled(
  ctx: EngineContext,
  recalled: Memory[],
  now: string,
): Promise<number> {
  const ids = new Set(recalled.map((m) => m.id));
  const direct = new Map<string, { memory: Memory; partners: Set<string> }>();
  const hubIds = new Set<string>();
  for (const memory of recalled) {
    const partners = memory.links.filter((id) => ids.has(id));
    if (partners.length) direct.set(memory.id, { memory, partners: new Set(partners) });
    for (const id of memory.links) if (!ids.has(id)) hubIds.add(id);
  }
  const hubs = hubIds.size
    ? await ctx.store.getMany(recalled[0]?.userId ?? '', [...hubIds].slice(0, 20))
    : [];
  // Hubs first: one hub update strengthens many pairs at once.
  const owners = new Map<string, { memory: Memory; partners: Set<string> }>();
  for (const hub of hubs) {
    if (hub.layer !== 'associative') continue;
    const members = hub.links.filter((id) => ids.has(id));
    if (members.length >= 2) owners.set(hub.id, { memory: hub, partners: new Set(members) });
  }
  for (const [id, owner] of direct) if (!owners.has(id)) owners.set(id, owner);
  // Fresh state, one all-or-nothing commit: no version is written from a stale read, and a
  // failure leaves every link as it was rather than some strengthened and some not.
  const chosen = [...owners.values()].slice(0, MAX_STRENGTH_UPDATES);
  const userId = chosen[0]?.memory.userId;
  if (userId === undefined) return 0;
  const currentById = new Map(
    (
      await ctx.store.getMany(
        userId,
        chosen.map((o) => o.memory.id),
      )
    ).map((m) => [m.id, m]),
  );
  const changes: UpdateChange[] = [];
  for (const { memory, partners } of chosen) {
    const current = currentById.get(memory.id);
    if (!current) continue;
    const strengths = { ...((current.metadata.linkStrengths as Record<string, number> | undefined) ?? {}) };
    for (const id of partners)
      strengths[id] = Math.min(1, (strengths[id] ?? DEFAULT_STRENGTH) + STRENGTH_STEP);
    changes.push({
      memory: {
        ...current,
        metadata: { ...current.metadata, linkStrengths: strengths },
        version: current.version + 1,
        updatedAt: now,
      },
      op: 'update',
    });
  }
  if (changes.length === 0) return 0;
  try {
    await ctx.store.commit({ update: changes });
  } catch (error) {
    // A concurrent edit won the race; the links simply grow next time.
    ctx.logger.debug({ err: error, ids: changes.map((c) => c.memory.id) }, 'link strengthening skipped');
    return 0;
  }
  const updates = changes.length;
  return updates;
}
