/**
 * Opaque list cursors: base64url of the (createdAt, id) of the last item returned, so a
 * page continues strictly after it in (createdAt, id) order even while rows are inserted.
 */
import { ValidationError } from '../../errors.ts';

export interface CursorPosition {
  createdAt: string;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string'
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError(
    `cursor "${cursor.slice(0, 64)}" is not valid; pass nextCursor from a previous page.`,
  );
}

/** (createdAt, id) ordering shared by every store. */
export function compareCreated(a: CursorPosition, b: CursorPosition): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}
