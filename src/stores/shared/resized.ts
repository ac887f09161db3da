/**
 * Growing (or shrinking) a typed-array column: a new array of the same kind holding the first
 * min(old, new) entries. Shared by the keyword index's arenas and the per-slot filter columns
 * (slot-fields.ts).
 */

type Column = Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array;

export function resized<T extends Column>(array: T, size: number): T {
  const next = new (array.constructor as new (n: number) => T)(size);
  next.set(array.subarray(0, Math.min(size, array.length)));
  return next;
}
