/**
 * The one id generator: time-ordered, URL-safe ids (UUIDv7 layout) so that ids sort by
 * creation time, which keeps cursor pagination and B-tree inserts cheap. `shortId` is the
 * 8-character prefix shown in context blocks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { systemClock } from './clock.ts';

export function newId(at: number = systemClock.now().getTime()): string {
  const bytes = randomBytes(16);
  const ms = BigInt(at);
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Deterministic id from parts (idempotent ingestion: same turn → same ids). */
export function stableId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

export function shortId(id: string): string {
  return id.replace(/-/g, '').slice(0, 8);
}

export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
