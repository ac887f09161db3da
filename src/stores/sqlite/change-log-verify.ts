/**
 * `strata verify` and the sync digest over the SQLite change log. Verify walks every
 * (user, author) chain from seq 1: positions without holes, each entry linked to the one
 * before, its hash recomputed from its fields, its payload against payloadHash and its
 * signature against the author's key; the chain must end at its recorded head (entries
 * cut off the end show here). A payload may be missing only before a delete or import of
 * its memory.
 * Then every memory row must be the state its entries give (shared/log-state.ts): a row
 * edited, added or removed behind the log's back shows too. The digest fingerprints log
 * and state so two instances can compare without shipping either.
 */
import { createHash } from 'node:crypto';
import type { Cipher } from '../../security/cipher.ts';
import type { InstanceIdentity } from '../../security/instance-key.ts';
import { entryProblem, GENESIS } from '../../security/log-entry.ts';
import type { Memory, MemoryVersion } from '../../types.ts';
import { canonicalJson } from '../../util/canonical-json.ts';
import { deriveMemory, mayLackPayload } from '../shared/log-state.ts';
import type { LogDigest, LogProblem, LogVerifyReport } from '../types.ts';
import { derivable, type EntryRow, entriesOfMemory, knownKey, logUsers, toEntry } from './change-log-sql.ts';
import { fromRow, fromVersionRow, type MemoryRow, type VersionRow } from './row-codec.ts';
import type { SqliteConnection } from './sqlite-connection.ts';
import { usersOf } from './sqlite-reads.ts';

const PAGE = 1_000;

export function verifyLog(
  c: SqliteConnection,
  cipher: Cipher | null,
  self: InstanceIdentity,
  userId?: string,
): LogVerifyReport {
  const users = userId !== undefined ? [userId] : [...new Set([...logUsers(c), ...usersOf(c)])].sort();
  const problems: LogProblem[] = [];
  let chains = 0;
  let entries = 0;
  let memories = 0;
  for (const user of users) {
    const authors = c
      .stmt(
        'SELECT author FROM sync_log WHERE user_id = ? UNION SELECT author FROM sync_heads WHERE user_id = ? ORDER BY 1',
      )
      .all(user, user) as Array<{ author: string }>;
    for (const { author } of authors) {
      chains += 1;
      const key = author === self.instanceId ? self.publicKey : knownKey(c, author);
      entries += checkChain(c, user, author, key, problems);
    }
    checkPruned(c, user, problems);
    memories += checkState(c, cipher, user, problems);
  }
  return { ok: problems.length === 0, users: users.length, chains, entries, memories, problems };
}

/** Walks one chain; records its first break. Returns the entries walked. */
function checkChain(
  c: SqliteConnection,
  userId: string,
  author: string,
  key: string | undefined,
  problems: LogProblem[],
): number {
  const page = c.stmt(
    'SELECT * FROM sync_log WHERE user_id = ? AND author = ? AND seq > ? ORDER BY seq LIMIT ?',
  );
  const at = (seq: number, message: string, reason: LogProblem['reason']) =>
    problems.push({ reason, userId, instanceId: author, seq, message });
  let expected = 1;
  let previous = GENESIS;
  let walked = 0;
  for (;;) {
    const rows = page.all(userId, author, expected - 1, PAGE) as EntryRow[];
    if (rows.length === 0) break;
    for (const row of rows) {
      walked += 1;
      if (row.seq !== expected) {
        at(
          expected,
          `entries ${expected}..${row.seq - 1} of this chain are missing (truncated or cut out)`,
          'truncated',
        );
        return walked;
      }
      if (row.prev_hash !== previous) {
        at(
          row.seq,
          `entry ${row.seq} does not link to entry ${row.seq - 1} (its prevHash was changed, or one was replaced)`,
          'tampered',
        );
        return walked;
      }
      const problem = entryProblem(toEntry(row), key);
      if (problem) {
        at(row.seq, `entry ${row.seq}: ${problem.message}`, problem.reason);
        return walked;
      }
      previous = row.hash;
      expected += 1;
    }
  }
  const head = c
    .stmt('SELECT seq, hash FROM sync_heads WHERE user_id = ? AND author = ?')
    .get(userId, author) as { seq: number; hash: string } | undefined;
  const last = expected - 1;
  if (!head || head.seq !== last || head.hash !== previous) {
    at(
      last + 1,
      head
        ? `the chain ends at entry ${last} but its recorded head is entry ${head.seq} (entries were cut off the end)`
        : `the chain has ${last} entries but no recorded head`,
      'truncated',
    );
  }
  return walked;
}

/** A payload may be gone only where a delete made it useless, or an import (a key rotation's) re-logged its memory. */
function checkPruned(c: SqliteConnection, userId: string, problems: LogProblem[]): void {
  const rows = c
    .stmt("SELECT * FROM sync_log WHERE user_id = ? AND payload IS NULL AND op != 'delete'")
    .all(userId) as EntryRow[];
  const allowed = new Map<string, Set<string>>();
  for (const row of rows) {
    let may = allowed.get(row.memory_id);
    if (!may) {
      may = mayLackPayload(
        entriesOfMemory(c, userId, row.memory_id).map((r) => derivable({ ...r, payload: null }, null)),
      );
      allowed.set(row.memory_id, may);
    }
    if (!may.has(row.hash)) {
      problems.push({
        reason: 'pruned',
        userId,
        instanceId: row.author,
        seq: row.seq,
        memoryId: row.memory_id,
        message: `entry ${row.seq} lost its payload, but memory ${row.memory_id} was not deleted or re-imported after it`,
      });
    }
  }
}

/** Every memory row is what its entries give. Returns the memories checked. */
function checkState(
  c: SqliteConnection,
  cipher: Cipher | null,
  userId: string,
  problems: LogProblem[],
): number {
  const ids = c
    .stmt(
      'SELECT memory_id AS id FROM sync_log WHERE user_id = ? UNION SELECT id FROM memories WHERE user_id = ?',
    )
    .all(userId, userId) as Array<{ id: string }>;
  let checked = 0;
  for (const { id } of ids) {
    const derived = deriveMemory(entriesOfMemory(c, userId, id).map((r) => derivable(r, cipher)));
    if (derived.kind === 'sealed') continue;
    checked += 1;
    const row = c.stmt('SELECT * FROM memories WHERE id = ? AND user_id = ?').get(id, userId) as
      | (MemoryRow & { log_hash: string | null })
      | undefined;
    const fail = (message: string) => problems.push({ reason: 'state', userId, memoryId: id, message });
    if (derived.kind === 'absent') {
      if (row)
        fail(
          `memory ${id} is stored but its log says it does not exist (written behind the log's back, or its entries were removed)`,
        );
      continue;
    }
    if (!row) {
      fail(`memory ${id} is in the log but not stored (deleted behind the log's back)`);
      continue;
    }
    if (row.log_hash !== derived.head || stateOf(fromRow(row, cipher)) !== stateOf(derived.memory)) {
      fail(
        `memory ${id} differs from the state its log entries give (edited behind the log's back, or the log was cut)`,
      );
    }
  }
  return checked;
}

/** A memory as compared between instances: without access counts (local) and the model id (local). */
function stateOf(memory: Memory): string {
  const { accessCount, lastAccessedAt, strength, embeddingModel, ...rest } = memory;
  return canonicalJson(rest);
}

function versionState(version: MemoryVersion): string {
  const { embeddingModel, ...memory } = version.memory;
  return canonicalJson({ ...version, memory });
}

export function digestOf(c: SqliteConnection, cipher: Cipher | null, userId?: string): LogDigest {
  const scope = userId === undefined ? '' : 'WHERE user_id = ?';
  const args = userId === undefined ? [] : [userId];
  const log = createHash('sha256');
  let entries = 0;
  for (const row of c.stmt(`SELECT hash FROM sync_log ${scope} ORDER BY hash`).iterate(...args) as Iterable<{
    hash: string;
  }>) {
    log.update(row.hash);
    entries += 1;
  }
  const state = createHash('sha256');
  let memories = 0;
  const rows = c.stmt(`SELECT * FROM memories ${scope} ORDER BY user_id, id`).all(...args) as MemoryRow[];
  const versions = c.stmt('SELECT * FROM versions WHERE memory_id = ? ORDER BY version');
  for (const row of rows) {
    state.update(stateOf(fromRow(row, cipher)));
    for (const v of versions.all(row.id) as VersionRow[])
      state.update(versionState(fromVersionRow(v, cipher)));
    memories += 1;
  }
  return { entries, memories, log: log.digest('hex'), state: state.digest('hex') };
}
