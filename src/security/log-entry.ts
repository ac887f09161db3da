/**
 * One entry of the signed change log, as stored and as sent between instances. Each
 * (user, author instance) pair has its own chain: entry `seq` n links to entry n-1 by
 * `prevHash` (the first links to GENESIS). `hash` is the SHA-256 of the canonical header
 * (a JSON array of the fields in a fixed order), which covers the payload through
 * `payloadHash`, so a payload can be pruned after a delete (the memory is forgotten) while
 * the chain still verifies; `sig` is the author's ed25519 signature of that hash. The
 * payload is JSON, or under encryption a sealed string (AES-256-GCM, bound to user and
 * memory), so a peer without the key still relays and verifies what it cannot read.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MemoryIdSchema, UserIdSchema, VERSION_OPS } from '../types.ts';
import { isHlc } from '../util/hlc.ts';
import type { Cipher } from './cipher.ts';
import { type InstanceIdentity, verifySignature } from './instance-key.ts';

/** Every memory write becomes one of these: the history operations, and delete. */
export const LOG_OPS = [...VERSION_OPS, 'delete'] as const;
/** A history operation (create, update, rollback, merge, supersede, import) or delete. */
export type LogOp = (typeof LOG_OPS)[number];

/** The `prevHash` of a chain's first entry. */
export const GENESIS = '0'.repeat(64);

const HEX64 = /^[0-9a-f]{64}$/;
const INSTANCE_ID = /^[0-9a-f]{32}$/;

export const LogEntrySchema = z.object({
  userId: UserIdSchema,
  /** The author instance (fingerprint of its public key). */
  instanceId: z.string().regex(INSTANCE_ID, 'instanceId must be 32 hex characters'),
  /** Position in the author's chain for this user, from 1. */
  seq: z.number().int().min(1),
  /** Hybrid logical clock stamp (util/hlc.ts). */
  hlc: z.string().refine(isHlc, 'hlc must be a hybrid logical clock stamp'),
  op: z.enum(LOG_OPS),
  memoryId: MemoryIdSchema,
  prevHash: z.string().regex(HEX64, 'prevHash must be 64 hex characters'),
  payloadHash: z.string().regex(HEX64, 'payloadHash must be 64 hex characters'),
  /** JSON or a sealed string; null once pruned after the memory was deleted. */
  payload: z.string().nullable(),
  hash: z.string().regex(HEX64, 'hash must be 64 hex characters'),
  /** base64 ed25519 signature of `hash` by the author. */
  sig: z.string().min(1).max(200),
});
/** One signed, hash-linked change: who wrote what to which memory of which user, and when (HLC). */
export type LogEntry = z.infer<typeof LogEntrySchema>;

/** The fields the hash covers (everything but payload, hash and sig). */
export type LogHeader = Omit<LogEntry, 'payload' | 'hash' | 'sig'>;

const VERSION = 1;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The SHA-256 of the canonical header. */
export function entryHash(header: LogHeader): string {
  return sha256Hex(
    JSON.stringify([
      'strata-log',
      VERSION,
      header.userId,
      header.instanceId,
      header.seq,
      header.hlc,
      header.op,
      header.memoryId,
      header.prevHash,
      header.payloadHash,
    ]),
  );
}

/** A new entry signed by `identity` (its instanceId is the author). */
export function signEntry(
  identity: InstanceIdentity,
  fields: Omit<LogHeader, 'instanceId' | 'payloadHash'>,
  payload: string,
): LogEntry {
  const header: LogHeader = { ...fields, instanceId: identity.instanceId, payloadHash: sha256Hex(payload) };
  const hash = entryHash(header);
  return { ...header, payload, hash, sig: identity.sign(hash) };
}

/** What is wrong with one entry on its own, and why. */
export interface EntryProblem {
  reason: 'tampered' | 'untrusted' | 'signature';
  message: string;
}

/** What is wrong with one entry on its own (hash, payload, signature), or null when nothing is. */
export function entryProblem(entry: LogEntry, publicKey: string | undefined): EntryProblem | null {
  if (entryHash(entry) !== entry.hash)
    return { reason: 'tampered', message: 'its hash does not match its fields (the entry was edited)' };
  if (entry.payload !== null && sha256Hex(entry.payload) !== entry.payloadHash)
    return { reason: 'tampered', message: 'its payload does not match payloadHash (the payload was edited)' };
  if (publicKey === undefined)
    return { reason: 'untrusted', message: `its author ${entry.instanceId} has no known public key` };
  if (!verifySignature(publicKey, entry.hash, entry.sig))
    return { reason: 'signature', message: `its signature is not ${entry.instanceId}'s (forged or damaged)` };
  return null;
}

/** Orders entries for conflict resolution: HLC, then author instance id. */
export function compareEntries(
  a: Pick<LogEntry, 'hlc' | 'instanceId'>,
  b: Pick<LogEntry, 'hlc' | 'instanceId'>,
): number {
  if (a.hlc !== b.hlc) return a.hlc < b.hlc ? -1 : 1;
  if (a.instanceId !== b.instanceId) return a.instanceId < b.instanceId ? -1 : 1;
  return 0;
}

const SEALED = 'sealed:v1:';

/** The payload text as stored in an entry: JSON, sealed under the cipher when there is one. */
export function sealPayload(cipher: Cipher | null, json: string, userId: string, memoryId: string): string {
  if (!cipher) return json;
  const blob = cipher.encrypt(json, payloadAad(userId, memoryId));
  return `${SEALED}${cipher.keyId}:${blob.toString('base64')}`;
}

/** The JSON text of a payload, or null when it is sealed under a key this instance lacks. */
export function openPayload(
  cipher: Cipher | null,
  payload: string,
  userId: string,
  memoryId: string,
): string | null {
  if (!payload.startsWith(SEALED)) return payload;
  const rest = payload.slice(SEALED.length);
  const colon = rest.indexOf(':');
  const keyId = rest.slice(0, colon);
  if (!cipher || colon < 0 || !cipher.knows(keyId)) return null;
  return cipher.decrypt(Buffer.from(rest.slice(colon + 1), 'base64'), keyId, payloadAad(userId, memoryId));
}

export function isSealedPayload(payload: string): boolean {
  return payload.startsWith(SEALED);
}

function payloadAad(userId: string, memoryId: string): string {
  return `log:${userId}:${memoryId}`;
}
