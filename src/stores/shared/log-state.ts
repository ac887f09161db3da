/**
 * A memory's state as a pure function of its change-log entries, the rule every instance
 * applies so that the same set of entries gives the same memory and the same history
 * everywhere, whatever order they arrived in. Entries are taken in HLC order (ties by
 * author instance id). create starts the memory; update, rollback, merge and supersede
 * append a version (its number is the one written, or one past the previous when
 * concurrent edits wrote the same number: the later edit wins the current state and the
 * earlier stays in the history; merge, like create, may also start one); import replaces memory and history with its own (what
 * restore() does); delete removes both (a tombstone). An edit ordered after a delete is
 * ignored, so a forgotten memory is not brought back by a concurrent edit; only a create
 * or import after it brings the id back.
 */
import type { LogOp } from '../../security/log-entry.ts';
import type { Memory, MemoryVersion, VersionOp } from '../../types.ts';

/** What a payload holds: the memory as written, and for import its history. Delete: {}. */
export interface LogBody {
  memory?: Memory;
  history?: MemoryVersion[];
}

export interface DerivableEntry {
  hash: string;
  instanceId: string;
  hlc: string;
  op: LogOp;
  /** The decoded payload; null when pruned; 'sealed' when this instance cannot read it. */
  body: LogBody | null | 'sealed';
}

export type DerivedMemory =
  | { kind: 'absent'; head: string | null }
  | { kind: 'present'; memory: Memory; versions: MemoryVersion[]; head: string }
  | { kind: 'sealed' };

function byClock(a: DerivableEntry, b: DerivableEntry): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.instanceId !== b.instanceId) return a.instanceId < b.instanceId ? -1 : 1;
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
}

/** The memory (or its absence) that these entries of one memory id add up to. */
export function deriveMemory(entries: DerivableEntry[]): DerivedMemory {
  const sorted = [...entries].sort(byClock);
  let memory: Memory | null = null;
  let versions: MemoryVersion[] = [];
  let head: string | null = null;
  for (const entry of sorted) {
    if (entry.op === 'delete') {
      memory = null;
      versions = [];
      head = entry.hash;
      continue;
    }
    // A pruned payload sits before a delete (it was pruned because of one): nothing to apply.
    if (entry.body === null) continue;
    if (entry.body === 'sealed') return { kind: 'sealed' };
    const written = entry.body.memory;
    if (!written) continue;
    if (entry.op === 'import') {
      memory = structuredClone(written);
      versions = structuredClone(entry.body.history ?? []);
      if (versions.length === 0) versions = [versionOf(memory, 'import')];
      head = entry.hash;
      continue;
    }
    if (memory === null && entry.op !== 'create' && entry.op !== 'merge') continue;
    const previous = versions.at(-1)?.version ?? 0;
    const next: Memory = { ...structuredClone(written), version: Math.max(written.version, previous + 1) };
    versions.push(versionOf(next, entry.op));
    memory = next;
    head = entry.hash;
  }
  return memory ? { kind: 'present', memory, versions, head: head! } : { kind: 'absent', head };
}

/**
 * The entries whose payloads may go because a delete made them useless: every one ordered
 * before the last delete, and the edits after it that the state rule ignores (before a
 * create or import brings the id back). What the memory is now never needs them.
 */
export function prunableEntries(entries: DerivableEntry[]): string[] {
  const sorted = [...entries].sort(byClock);
  const lastDelete = sorted.findLastIndex((e) => e.op === 'delete');
  if (lastDelete < 0) return [];
  const revived = sorted.findIndex(
    (e, i) => i > lastDelete && (e.op === 'create' || e.op === 'merge' || e.op === 'import'),
  );
  const end = revived < 0 ? sorted.length : revived;
  return sorted
    .filter((e, i) => (i < lastDelete || (i > lastDelete && i < end)) && e.op !== 'delete' && e.body !== null)
    .map((e) => e.hash);
}

/** Entries that may rightly hold no payload: the prunable ones, and any before a later import (a key rotation re-logs). */
export function mayLackPayload(entries: DerivableEntry[]): Set<string> {
  const all = entries.map((e) => ({ ...e, body: {} }));
  const out = new Set(prunableEntries(all));
  const sorted = [...all].sort(byClock);
  const lastImport = sorted.findLastIndex((e) => e.op === 'import');
  for (const e of sorted.slice(0, Math.max(0, lastImport))) out.add(e.hash);
  return out;
}

function versionOf(memory: Memory, op: VersionOp): MemoryVersion {
  return { memoryId: memory.id, version: memory.version, op, at: memory.updatedAt, memory };
}
