/**
 * The last sync round with each peer, as GET /v1/sync/status shows it: when, whether it
 * went through, what moved, and the error (code and reason) of a refused one, so an
 * operator sees a peer that serves a forked or truncated log without reading logs.
 */

/** One round with one peer. */
export interface SyncRound {
  peer: string;
  at: string;
  ok: boolean;
  pulled: number;
  pushed: number;
  error?: { code: string; message: string; reason?: string };
}

export interface SyncRounds {
  record(round: SyncRound): void;
  snapshot(): SyncRound[];
}

export function createSyncRounds(): SyncRounds {
  const last = new Map<string, SyncRound>();
  return {
    record: (round) => last.set(round.peer, round),
    snapshot: () => [...last.values()].sort((a, b) => (a.peer < b.peer ? -1 : 1)),
  };
}
