/**
 * Conflict resolution writes: the contradicted fact gets supersededBy (a new version with
 * op 'supersede', so history() shows the old value and rollback can restore it), and the
 * verbatim memories of the turn that stated the old value are annotated
 * (metadata.outdatedBy) so recall shows them as history rather than as the current state.
 * This only plans the changes: observeTurn commits them together with the turn's new
 * memories, so a failure never leaves a new fact next to an old one still current.
 */
import type { EngineContext } from '../layers/context.ts';
import type { LayerWrite } from '../layers/types.ts';
import type { UpdateChange } from '../stores/types.ts';
import type { Memory } from '../types.ts';

export interface SupersedeRequest {
  oldId: string;
  newId: string;
  write: LayerWrite;
}

export async function planSupersedes(
  ctx: EngineContext,
  userId: string,
  requests: SupersedeRequest[],
  now: string,
): Promise<UpdateChange[]> {
  // Later requests build on the pending state, not the stored one: a memory changed twice
  // in one turn gets two chained versions, exactly as two separate updates would.
  const changes: UpdateChange[] = [];
  const latest = new Map<string, Memory>();
  const current = async (id: string): Promise<Memory | null> =>
    latest.get(id) ?? (await ctx.store.get(userId, id));
  const stage = (base: Memory, next: Memory, op: UpdateChange['op']) => {
    const memory = { ...next, version: base.version + 1 };
    latest.set(memory.id, memory);
    changes.push({ memory, op });
  };
  for (const { oldId, newId, write } of requests) {
    const old = await current(oldId);
    if (!old || old.supersededBy) continue;
    stage(old, { ...old, supersededBy: newId, updatedAt: now }, 'supersede');
    const oldTurn = old.metadata.turnId;
    const object = String(old.metadata.object ?? '').toLowerCase();
    if (typeof oldTurn !== 'string' || !object) continue;
    // A turn's memories share its time (the layers write them at turn.at), so the time bounds
    // keep this on the (user, layer, created_at) index instead of testing every memory the
    // user has for its turnId (which grew with the store: 1.7 ms a turn at 20k).
    const related = await ctx.store.list(
      {
        userId,
        metadata: { turnId: oldTurn },
        layers: ['episodic', 'emotional', 'associative'],
        since: old.createdAt,
        until: old.createdAt,
      },
      { limit: 50 },
    );
    for (const stored of related.items) {
      const m = latest.get(stored.id) ?? stored;
      if (m.metadata.outdatedBy || !m.content.toLowerCase().includes(object)) continue;
      const outdated = { outdatedBy: newId, outdatedFact: write.metadata.predicate ?? null };
      stage(m, { ...m, metadata: { ...m.metadata, ...outdated }, updatedAt: now }, 'update');
    }
  }
  return changes;
}
