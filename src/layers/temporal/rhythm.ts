/**
 * Conversation rhythm: finds when this user last spoke (before the turn) by scanning
 * widening windows of episodic memories, so a gap ("new session after 3 days") can be
 * recorded without a per-user state row that would need an update on every turn.
 */
import type { TurnContext } from '../types.ts';

const HOUR = 3_600_000;
const WINDOWS = [6 * HOUR, 72 * HOUR, 30 * 24 * HOUR, 400 * 24 * HOUR];
/** A pause longer than this starts a new session. */
export const SESSION_GAP_MS = 30 * 60_000;

export async function previousActivity(ctx: TurnContext): Promise<Date | null> {
  const until = new Date(ctx.at.getTime() - 1).toISOString();
  for (const span of WINDOWS) {
    const since = new Date(ctx.at.getTime() - span).toISOString();
    let cursor: string | undefined;
    let latest: string | null = null;
    for (let page = 0; page < 20; page++) {
      const result = await ctx.engine.store.list(
        { userId: ctx.userId, layers: ['episodic'], since, until, includeSuperseded: true },
        cursor ? { limit: 500, cursor } : { limit: 500 },
      );
      const last = result.items.at(-1);
      if (last) latest = last.createdAt;
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    if (latest) return new Date(latest);
  }
  return null;
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
