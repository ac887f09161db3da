/**
 * Conflict resolution writes: the contradicted fact gets supersededBy (a new version with
 * op 'supersede', so history() shows the old value and rollback can restore it), and the
 * verbatim memories of the turn that stated the old value are annotated
 * (metadata.outdatedBy) so recall shows them as history rather than as the current state.
 */
import type { EngineContext } from '../engine/context.ts';
import type { LayerWrite } from '../layers/types.ts';
import type { Memory } from '../types.ts';

export interface SupersedeRequest {
  oldId: string;
  newId: string;
  write: LayerWrite;
}

export async function applySupersedes(
  ctx: EngineContext,
  userId: string,
  requests: SupersedeRequest[],
  now: string,
): Promise<Memory[]> {
  const updated: Memory[] = [];
  for (const { oldId, newId, write } of requests) {
    const old = await ctx.store.get(userId, oldId);
    if (!old || old.supersededBy) continue;
    const next: Memory = { ...old, supersededBy: newId, version: old.version + 1, updatedAt: now };
    await ctx.store.update([{ memory: next, op: 'supersede' }]);
    updated.push(next);
    const oldTurn = old.metadata.turnId;
    const object = String(old.metadata.object ?? '').toLowerCase();
    if (typeof oldTurn !== 'string' || !object) continue;
    const related = await ctx.store.list(
      { userId, metadata: { turnId: oldTurn }, layers: ['episodic', 'emotional', 'associative'] },
      { limit: 50 },
    );
    for (const m of related.items) {
      if (m.metadata.outdatedBy || !m.content.toLowerCase().includes(object)) continue;
      const marked: Memory = {
        ...m,
        metadata: { ...m.metadata, outdatedBy: newId, outdatedFact: write.metadata.predicate ?? null },
        version: m.version + 1,
        updatedAt: now,
      };
      await ctx.store.update([{ memory: marked, op: 'update' }]);
      updated.push(marked);
    }
  }
  return updated;
}
