/**
 * Conversation rhythm: finds when this user last spoke (before the turn) from episodic
 * memories, so a gap ("new session after 3 days") can be recorded without a per-user
 * state row that would need an update on every turn.
 */
import type { TurnContext } from '../types.ts';

const HOUR = 3_600_000;
/** A pause longer than this starts a new session. */
export const SESSION_GAP_MS = 30 * 60_000;
const WINDOWS = [SESSION_GAP_MS, 6 * HOUR, 72 * HOUR, 30 * 24 * HOUR, 400 * 24 * HOUR];

export interface Activity {
  /** The user spoke within SESSION_GAP_MS before this turn (same session). */
  recent: boolean;
  /** When the user last spoke before this turn (null: never, or over 400 days ago). */
  previous: Date | null;
}

/**
 * One cheap query answers the common case (activity in the last 30 minutes: same session);
 * only a session start looks further back for the latest earlier message, which is what the
 * gap is measured from: one store lookup (latestCreatedAt, an index seek on SQLite), or on
 * stores without it paging through widening rings [at − w_i, at − w_{i−1}].
 */
export async function previousActivity(ctx: TurnContext): Promise<Activity> {
  const at = ctx.at.getTime();
  const filter = { userId: ctx.userId, layers: ['episodic' as const], includeSuperseded: true };
  const until = new Date(at - 1).toISOString();
  const recent = await ctx.engine.store.list(
    { ...filter, since: new Date(at - SESSION_GAP_MS).toISOString(), until },
    { limit: 1 },
  );
  if (recent.items.length) return { recent: true, previous: new Date(recent.items[0]?.createdAt ?? at) };
  const store = ctx.engine.store;
  if (store.latestCreatedAt) {
    // The rings below cover [at − 400 days, at − 30 min]; their answer is that range's newest row.
    const latest = await store.latestCreatedAt({
      ...filter,
      since: new Date(at - (WINDOWS.at(-1) ?? 0)).toISOString(),
      until: new Date(at - SESSION_GAP_MS).toISOString(),
    });
    return { recent: false, previous: latest ? new Date(latest) : null };
  }
  for (let i = 1; i < WINDOWS.length; i++) {
    const ring = {
      ...filter,
      since: new Date(at - (WINDOWS[i] ?? 0)).toISOString(),
      until: new Date(at - (WINDOWS[i - 1] ?? 0)).toISOString(),
    };
    let cursor: string | undefined;
    let latest: string | null = null;
    for (let page = 0; page < 50; page++) {
      const result = await ctx.engine.store.list(ring, cursor ? { limit: 1000, cursor } : { limit: 1000 });
      const last = result.items.at(-1);
      if (last) latest = last.createdAt;
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    if (latest) return { recent: false, previous: new Date(latest) };
  }
  return { recent: false, previous: null };
}

export function describeGap(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} minutes`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  const days = Math.round(hours / 24);
  if (days < 60) return `${days} days`;
  return `${Math.round(days / 30)} months`;
}
