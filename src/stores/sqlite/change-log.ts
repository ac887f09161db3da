/**
 * The SQLite store's signed change log. Local writes call append() inside their own
 * transaction: the next entry of this instance's chain for the user, stamped with the
 * hybrid logical clock (persisted in meta, read and advanced under the write lock, so a CLI
 * process beside the server never reuses a stamp or a seq) and signed with the instance
 * key. A peer's entries go through stage() (each one's hash, payload and signature against
 * a known or handed-over key whose fingerprint is its author id; each links to the head of
 * its chain: an entry that differs from one held at the same position is a fork, one past
 * the head + 1 a gap; duplicates are skipped by hash) and then apply(), which adds them and
 * rebuilds every memory they touch from all of its entries (shared/log-state.ts), in one
 * transaction with the memory rows, so the log and the memories never disagree.
 */
import { ConflictError, IntegrityError, ValidationError } from '../../errors.ts';
import type { Cipher } from '../../security/cipher.ts';
import { type InstanceIdentity, instanceIdOf } from '../../security/instance-key.ts';
import {
  compareEntries,
  entryHash,
  entryProblem,
  type LogEntry,
  type LogOp,
  openPayload,
  sealPayload,
  sha256Hex,
  signEntry,
} from '../../security/log-entry.ts';
import type { Memory } from '../../types.ts';
import { MemorySchema, MemoryVersionSchema } from '../../types.ts';
import { type Clock, nowIso } from '../../util/clock.ts';
import { receiveHlc, tickHlc } from '../../util/hlc.ts';
import { type DerivedMemory, deriveMemory, type LogBody, prunableEntries } from '../shared/log-state.ts';
import type {
  ChainHead,
  ChangeLogStore,
  LogApplyResult,
  LogDigest,
  LogPage,
  LogVerifyReport,
} from '../types.ts';
import {
  addKey,
  derivable,
  type EntryRow,
  entriesOfMemory,
  entryAt,
  headOf,
  headsOf,
  insertEntry,
  knownKey,
  logUsers,
  pruneEntries,
  readPeerValue,
  toEntry,
  writeHead,
  writePeerValue,
} from './change-log-sql.ts';
import { digestOf, verifyLog } from './change-log-verify.ts';
import { contentOf, fromRow, type MemoryRow } from './row-codec.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { historyOf } from './sqlite-reads.ts';
import { writeVersion } from './sqlite-writes.ts';

/** What the log needs from the store to materialize a memory it rebuilt. */
export interface LogHost {
  /** A write transaction whose keyword-index changes apply after commit. */
  transaction<T>(fn: () => T): T;
  /** Writes the memory row (and vector unless undefined) inside the transaction. */
  writeMemory(memory: Memory, vector: Float32Array | null | undefined, mode: 'insert' | 'update'): void;
  /** Removes a memory row (versions and vector cascade) inside the transaction. */
  removeMemory(rowid: number): void;
  /** After commit: the in-process indexes take the changed and removed memories. */
  indexed(
    changed: Array<{ memory: Memory; vector: Float32Array | null | undefined }>,
    removed: Array<{ userId: string; id: string }>,
  ): void;
  /** The id of the model whose vectors this store holds. */
  modelId(): string;
}

interface Staged {
  fresh: LogEntry[];
  duplicates: number;
  keys: Map<string, string>;
}

const HLC_KEY = 'log_hlc';
/** Entries whose signature checked out lately: apply re-stages what contentsToEmbed staged. */
const VERIFIED_KEPT = 50_000;

/** The clock and this instance's chain heads while a batch of appends runs (read once, written once). */
interface AppendBatch {
  hlc: string | null;
  heads: Map<string, ChainHead>;
}

export class SqliteChangeLog implements ChangeLogStore {
  private readonly verified = new Set<string>();
  #batch: AppendBatch | null = null;

  constructor(
    private readonly c: SqliteConnection,
    private readonly cipher: Cipher | null,
    private readonly self: InstanceIdentity,
    private readonly clock: Clock,
    private readonly host: LogHost,
  ) {}

  identity(): { instanceId: string; publicKey: string } {
    return { instanceId: this.self.instanceId, publicKey: this.self.publicKey };
  }

  sign(message: string): string {
    return this.self.sign(message);
  }

  // ---- local writes (called inside the write's transaction) ---------------------------

  /**
   * Runs `fn` (inside the caller's transaction) with the clock and chain heads its appends
   * advance kept here, and writes them once at the end: a 1,000-row insert reads and writes
   * meta and sync_heads once instead of 1,000 times. Nothing in `fn` may read them from the
   * tables meanwhile; if `fn` throws, the transaction rolls back and nothing is written.
   */
  batch<T>(fn: () => T): T {
    if (this.#batch) return fn();
    const batch: AppendBatch = { hlc: this.c.readMeta(HLC_KEY), heads: new Map() };
    this.#batch = batch;
    try {
      const out = fn();
      if (batch.heads.size > 0) this.c.writeMeta(HLC_KEY, batch.hlc);
      for (const [userId, head] of batch.heads) writeHead(this.c, userId, head);
      return out;
    } finally {
      this.#batch = null;
    }
  }

  /** Appends this instance's next entry for the user; returns its hash. */
  append(userId: string, op: LogOp, memoryId: string, body: LogBody): string {
    const batch = this.#batch;
    const hlc = tickHlc(batch ? batch.hlc : this.c.readMeta(HLC_KEY), this.clock.now().getTime());
    const head = batch?.heads.get(userId) ?? headOf(this.c, userId, this.self.instanceId);
    const payload = sealPayload(this.cipher, JSON.stringify(body), userId, memoryId);
    const entry = signEntry(
      this.self,
      { userId, seq: head.seq + 1, hlc, op, memoryId, prevHash: head.hash },
      payload,
    );
    insertEntry(this.c, entry, null, { head: batch === null });
    if (batch) {
      batch.hlc = hlc;
      batch.heads.set(userId, { instanceId: this.self.instanceId, seq: entry.seq, hash: entry.hash });
    } else {
      this.c.writeMeta(HLC_KEY, hlc);
    }
    if (op === 'delete') this.pruneBefore(userId, memoryId);
    return entry.hash;
  }

  /** Records which entry gave a memory row its current state. */
  markHead(memoryId: string, hash: string): void {
    this.c.stmt('UPDATE memories SET log_hash = ? WHERE id = ?').run(hash, memoryId);
  }

  /** The memory ids of a user whose last entry (in clock order) is not a delete: deleteUser tombstones them. */
  liveMemoryIds(userId: string): string[] {
    const rows = this.c
      .stmt('SELECT memory_id, author, hlc, op FROM sync_log WHERE user_id = ?')
      .all(userId) as Array<{ memory_id: string; author: string; hlc: string; op: string }>;
    const last = new Map<string, { author: string; hlc: string; op: string }>();
    for (const row of rows) {
      const seen = last.get(row.memory_id);
      if (
        !seen ||
        compareEntries({ hlc: row.hlc, instanceId: row.author }, { hlc: seen.hlc, instanceId: seen.author }) >
          0
      )
        last.set(row.memory_id, row);
    }
    return [...last].filter(([, row]) => row.op !== 'delete').map(([id]) => id);
  }

  /** Drops the payloads a delete made unnecessary: the memory is forgotten, its chain still verifies. */
  private pruneBefore(userId: string, memoryId: string): void {
    const rows = entriesOfMemory(this.c, userId, memoryId).map((r) => ({
      hash: r.hash,
      instanceId: r.author,
      hlc: r.hlc,
      op: r.op as LogOp,
      body: r.payload === null ? null : {},
    }));
    pruneEntries(this.c, prunableEntries(rows));
  }

  /**
   * After a key rotation: every memory whose entries hold payloads in plaintext or under an
   * older key gets a fresh import entry sealed under the current key, and those payloads are
   * pruned (the import replaces what they said), so no old ciphertext or plaintext stays.
   * Returns the memories re-logged.
   */
  reseal(): number {
    if (!this.cipher) return 0;
    const prefix = `sealed:v1:${this.cipher.keyId}:`;
    const stale = this.c.stmt(
      `SELECT DISTINCT l.user_id, l.memory_id FROM sync_log l JOIN memories m ON m.id = l.memory_id AND m.user_id = l.user_id
       WHERE l.payload IS NOT NULL AND substr(l.payload, 1, ?) != ? LIMIT 500`,
    );
    let resealed = 0;
    for (;;) {
      const rows = stale.all(prefix.length, prefix) as Array<{ user_id: string; memory_id: string }>;
      if (rows.length === 0) return resealed;
      this.c.tx(() => {
        for (const { user_id: userId, memory_id: memoryId } of rows) {
          const row = this.row(memoryId)!;
          const memory = fromRow(row, this.cipher);
          const history = historyOf(this.c, this.cipher, userId, memoryId);
          const old = entriesOfMemory(this.c, userId, memoryId)
            .filter((e) => e.payload !== null)
            .map((e) => e.hash);
          this.markHead(memoryId, this.append(userId, 'import', memoryId, { memory, history }));
          pruneEntries(this.c, old);
          resealed += 1;
        }
      });
    }
  }

  // ---- reads --------------------------------------------------------------------------

  async users(): Promise<string[]> {
    return logUsers(this.c);
  }

  async heads(userId: string): Promise<ChainHead[]> {
    return headsOf(this.c, userId);
  }

  async read(
    userId: string,
    after: string | undefined,
    limit: number,
    have: Record<string, number> = {},
  ): Promise<LogPage> {
    let from = 0;
    let reset = false;
    if (after !== undefined && after !== '' && after !== '0') {
      const [rowid, prefix] = after.split('.');
      const at = Number(rowid);
      const row = Number.isInteger(at)
        ? (this.c.stmt('SELECT hash FROM sync_log WHERE rowid = ? AND user_id = ?').get(at, userId) as
            | { hash: string }
            | undefined)
        : undefined;
      // A cursor of another incarnation of this log (restored, rebuilt) starts over.
      if (row && prefix && row.hash.startsWith(prefix)) from = at;
      else reset = true;
    }
    const rows = this.c
      .stmt('SELECT * FROM sync_log WHERE user_id = ? AND rowid > ? ORDER BY rowid LIMIT ?')
      .all(userId, from, limit + 1) as EntryRow[];
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    const last = page.at(-1);
    const cursor = last ? `${last.rowid}.${last.hash.slice(0, 16)}` : from === 0 ? '0' : after!;
    const wanted = page.filter((row) => row.seq > (have[row.author] ?? 0));
    return { entries: wanted.map(toEntry), cursor, more, reset };
  }

  async hashesAt(
    userId: string,
    positions: Array<{ instanceId: string; seq: number }>,
  ): Promise<Array<string | null>> {
    return positions.map((p) => entryAt(this.c, userId, p.instanceId, p.seq)?.hash ?? null);
  }

  async publicKeys(instanceIds: string[]): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const id of new Set(instanceIds)) {
      const key = id === this.self.instanceId ? this.self.publicKey : knownKey(this.c, id);
      if (key) out[id] = key;
    }
    return out;
  }

  async pinKey(instanceId: string, publicKey: string, source: string): Promise<void> {
    checkFingerprint(instanceId, publicKey);
    if (instanceId === this.self.instanceId) return;
    addKey(this.c, instanceId, publicKey, source, nowIso(this.clock));
  }

  async peerState(peer: string, userId: string, key: string): Promise<unknown> {
    return readPeerValue(this.c, peer, userId, key);
  }

  async putPeerState(peer: string, userId: string, key: string, value: unknown): Promise<void> {
    writePeerValue(this.c, peer, userId, key, value);
  }

  async verify(userId?: string): Promise<LogVerifyReport> {
    return verifyLog(this.c, this.cipher, this.self, userId);
  }

  async digest(userId?: string): Promise<LogDigest> {
    return digestOf(this.c, this.cipher, userId);
  }

  // ---- a peer's entries -------------------------------------------------------------------

  async contentsToEmbed(
    userId: string,
    entries: LogEntry[],
    keys: Record<string, string>,
  ): Promise<string[]> {
    const staged = this.stage(userId, entries, keys);
    const wanted = new Set<string>();
    for (const [memoryId, added] of byMemory(staged.fresh)) {
      const derived = this.derive(userId, memoryId, added);
      if (derived.kind !== 'present') continue;
      const row = this.row(memoryId);
      if (!row || contentOf(row, this.cipher) !== derived.memory.content || !this.hasVector(memoryId))
        wanted.add(derived.memory.content);
    }
    return [...wanted];
  }

  async apply(
    userId: string,
    entries: LogEntry[],
    keys: Record<string, string>,
    vectors: Map<string, Float32Array>,
    via: string,
  ): Promise<LogApplyResult> {
    const changed: Array<{ memory: Memory; vector: Float32Array | null | undefined }> = [];
    const removed: Array<{ userId: string; id: string }> = [];
    const result = this.host.transaction(() => {
      const staged = this.stage(userId, entries, keys);
      const at = nowIso(this.clock);
      for (const [instanceId, publicKey] of staged.keys)
        addKey(this.c, instanceId, publicKey, `via:${via}`, at);
      let hlc = this.c.readMeta(HLC_KEY);
      for (const entry of staged.fresh) {
        insertEntry(this.c, entry, via);
        hlc = receiveHlc(hlc, entry.hlc);
      }
      if (hlc) this.c.writeMeta(HLC_KEY, hlc);
      let sealed = 0;
      for (const memoryId of byMemory(staged.fresh).keys()) {
        const outcome = this.materialize(userId, memoryId, vectors, changed, removed);
        if (outcome === 'sealed') sealed += 1;
      }
      return {
        applied: staged.fresh.length,
        duplicates: staged.duplicates,
        changed: changed.length + removed.length,
        sealed,
      };
    });
    this.host.indexed(changed, removed);
    return result;
  }

  /** Checks every entry against the log as it stands; nothing is written. */
  private stage(userId: string, entries: LogEntry[], keys: Record<string, string>): Staged {
    const heads = new Map<string, ChainHead>();
    const newKeys = new Map<string, string>();
    const fresh: LogEntry[] = [];
    let duplicates = 0;
    for (const entry of entries) {
      if (entry.userId !== userId) {
        throw new ValidationError(`A sync batch for user ${userId} holds an entry of user ${entry.userId}.`);
      }
      const where = `entry ${entry.seq} of ${entry.instanceId} for user ${userId}`;
      const held = entryAt(this.c, userId, entry.instanceId, entry.seq);
      if (held) {
        if (held.hash === entry.hash) {
          duplicates += 1;
          continue;
        }
        throw integrity(
          'fork',
          `${where} differs from the one this instance holds (a forked log); refusing it.`,
          entry,
        );
      }
      const key = this.keyOf(entry.instanceId, keys, newKeys);
      const problem = this.verifiedBefore(entry) ? null : entryProblem(entry, key);
      if (problem) throw integrity(problem.reason, `${where} is refused: ${problem.message}.`, entry);
      this.noteVerified(entry);
      const head = heads.get(entry.instanceId) ?? headOf(this.c, userId, entry.instanceId);
      if (entry.seq !== head.seq + 1) {
        throw integrity(
          'gap',
          `${where} does not follow this instance's head ${head.seq} of that chain (entries are missing before it); resend from the start.`,
          entry,
          { heads: headsOf(this.c, userId) },
        );
      }
      if (entry.prevHash !== head.hash) {
        throw integrity(
          'fork',
          `${where} links to another entry ${head.seq} than the one held (a forked log).`,
          entry,
        );
      }
      this.checkBody(entry);
      heads.set(entry.instanceId, { instanceId: entry.instanceId, seq: entry.seq, hash: entry.hash });
      fresh.push(entry);
    }
    return { fresh, duplicates, keys: newKeys };
  }

  /** Whether this exact entry (fields, payload and signature) verified a moment ago. */
  private verifiedBefore(entry: LogEntry): boolean {
    return this.verified.has(verifiedKey(entry));
  }

  private noteVerified(entry: LogEntry): void {
    if (this.verified.size >= VERIFIED_KEPT) this.verified.clear();
    this.verified.add(verifiedKey(entry));
  }

  private keyOf(
    instanceId: string,
    given: Record<string, string>,
    added: Map<string, string>,
  ): string | undefined {
    if (instanceId === this.self.instanceId) return this.self.publicKey;
    const known = knownKey(this.c, instanceId) ?? added.get(instanceId);
    if (known) return known;
    const offered = given[instanceId];
    if (offered === undefined || instanceIdOf(offered) !== instanceId) return undefined;
    added.set(instanceId, offered);
    return offered;
  }

  /** A readable payload must hold this memory of this user (the author signed it, but it may still lie). */
  private checkBody(entry: LogEntry): void {
    if (entry.payload === null || entry.op === 'delete') return;
    const json = openPayload(this.cipher, entry.payload, entry.userId, entry.memoryId);
    if (json === null) return;
    let body: LogBody;
    try {
      body = JSON.parse(json) as LogBody;
    } catch {
      throw integrity('tampered', `Entry ${entry.hash} holds a payload that is not JSON.`, entry);
    }
    const memory = MemorySchema.safeParse(body.memory);
    const history = (body.history ?? []).every((v) => {
      const parsed = MemoryVersionSchema.safeParse(v);
      return (
        parsed.success &&
        parsed.data.memoryId === entry.memoryId &&
        parsed.data.memory.userId === entry.userId
      );
    });
    if (
      !memory.success ||
      memory.data.id !== entry.memoryId ||
      memory.data.userId !== entry.userId ||
      !history
    ) {
      throw integrity(
        'tampered',
        `Entry ${entry.hash} holds a payload that is not memory ${entry.memoryId} of user ${entry.userId}.`,
        entry,
      );
    }
  }

  private derive(userId: string, memoryId: string, added: LogEntry[] = []): DerivedMemory {
    const rows = entriesOfMemory(this.c, userId, memoryId).map((r) => derivable(r, this.cipher));
    const extra = added.map((e) =>
      derivable(
        {
          hash: e.hash,
          author: e.instanceId,
          hlc: e.hlc,
          op: e.op,
          payload: e.payload,
          user_id: e.userId,
          memory_id: e.memoryId,
        },
        this.cipher,
      ),
    );
    return deriveMemory([...rows, ...extra]);
  }

  private row(memoryId: string): MemoryRow | undefined {
    return this.c.stmt('SELECT * FROM memories WHERE id = ?').get(memoryId) as MemoryRow | undefined;
  }

  private hasVector(memoryId: string): boolean {
    return this.c.stmt('SELECT 1 FROM vectors WHERE memory_id = ?').get(memoryId) !== undefined;
  }

  /** Rebuilds one memory from all of its entries (inside the apply transaction). */
  private materialize(
    userId: string,
    memoryId: string,
    vectors: Map<string, Float32Array>,
    changed: Array<{ memory: Memory; vector: Float32Array | null | undefined }>,
    removed: Array<{ userId: string; id: string }>,
  ): 'sealed' | 'absent' | 'written' {
    const rows = entriesOfMemory(this.c, userId, memoryId).map((r) => derivable(r, this.cipher));
    pruneEntries(this.c, prunableEntries(rows));
    const derived = deriveMemory(rows);
    if (derived.kind === 'sealed') return 'sealed';
    const row = this.row(memoryId);
    if (row && row.user_id !== userId) {
      throw integrity(
        'tampered',
        `Memory id ${memoryId} belongs to another user here; refusing entries of user ${userId} for it.`,
      );
    }
    if (derived.kind === 'absent') {
      if (!row) return 'absent';
      this.host.removeMemory(row.rowid);
      removed.push({ userId, id: memoryId });
      return 'written';
    }
    // Written even when the winner stayed: an earlier edit that arrived late renumbers the history.
    const current = row ? fromRow(row, this.cipher) : null;
    let vector: Float32Array | undefined;
    const memory: Memory = { ...derived.memory };
    if (!current || current.content !== memory.content || !this.hasVector(memoryId)) {
      vector = vectors.get(memory.content);
      if (!vector) {
        throw new ConflictError(`No vector was computed for memory ${memoryId}; apply the batch again.`, {
          retryable: true,
        });
      }
      memory.embeddingModel = this.host.modelId();
    } else {
      memory.embeddingModel = current.embeddingModel;
    }
    this.host.writeMemory(memory, vector, row ? 'update' : 'insert');
    this.c.stmt('DELETE FROM versions WHERE memory_id = ?').run(memoryId);
    for (const version of derived.versions) writeVersion(this.c, this.cipher, version);
    this.markHead(memoryId, derived.head);
    changed.push({ memory, vector });
    return 'written';
  }
}

/** Everything the check covers: recomputing the hash from these fields is what entryProblem did. */
function verifiedKey(entry: LogEntry): string {
  return `${entryHash(entry)}:${entry.hash}:${entry.payload === null ? '-' : sha256Hex(entry.payload)}:${entry.sig}`;
}

function byMemory(entries: LogEntry[]): Map<string, LogEntry[]> {
  const out = new Map<string, LogEntry[]>();
  for (const entry of entries) out.set(entry.memoryId, [...(out.get(entry.memoryId) ?? []), entry]);
  return out;
}

function checkFingerprint(instanceId: string, publicKey: string): void {
  if (instanceIdOf(publicKey) !== instanceId) {
    throw new IntegrityError(
      `Public key ${publicKey.slice(0, 24)}… is not the key of instance ${instanceId} (its fingerprint is ${instanceIdOf(publicKey)}).`,
      { details: { reason: 'identity', instanceId } },
    );
  }
}

function integrity(
  reason: string,
  message: string,
  entry?: LogEntry,
  extra: Record<string, unknown> = {},
): IntegrityError {
  return new IntegrityError(message, {
    details: {
      reason,
      ...(entry
        ? { userId: entry.userId, instanceId: entry.instanceId, seq: entry.seq, hash: entry.hash }
        : {}),
      ...extra,
    },
  });
}
