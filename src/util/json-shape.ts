/**
 * Shape limits for untrusted JSON, checked on the text before it is parsed: nesting depth and
 * the length of any one array. A 10,000-level nested array parses, but everything that walks
 * it recursively afterwards (JSON.stringify, zod, the logger) overflows the stack; a
 * 100,000-element array in an unknown field costs memory and time for nothing. One pass over
 * the characters, no recursion; strings (and escapes in them) are skipped.
 */
import { ValidationError } from '../errors.ts';

export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_ARRAY_LENGTH = 10_000;

export interface JsonShapeLimits {
  maxDepth?: number;
  maxArrayLength?: number;
}

/** Throws a validation error naming the limit when `text` nests deeper or lists more than allowed. */
export function assertJsonShape(text: string, what = 'Request body', limits: JsonShapeLimits = {}): void {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  const maxArray = limits.maxArrayLength ?? MAX_JSON_ARRAY_LENGTH;
  // Per open container: is it an array, and how many elements so far (arrays only).
  const isArray: boolean[] = [];
  const counts: number[] = [];
  let inString = false;
  let empty = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
      continue;
    }
    if (ch === 0x22) {
      inString = true;
      if (empty) empty = false;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (empty) empty = false;
      isArray.push(ch === 0x5b);
      counts.push(0);
      empty = ch === 0x5b;
      if (isArray.length > maxDepth) {
        throw new ValidationError(
          `${what} nests deeper than ${maxDepth} levels (the JSON depth limit); flatten it.`,
          { details: { limit: 'maxJsonDepth', max: maxDepth } },
        );
      }
    } else if (ch === 0x5d || ch === 0x7d) {
      const top = counts.length - 1;
      if (top >= 0 && isArray[top] && !empty) counts[top]! += 1;
      isArray.pop();
      counts.pop();
      empty = false;
    } else if (ch === 0x2c) {
      const top = counts.length - 1;
      if (top >= 0 && isArray[top]) {
        counts[top]! += 1;
        if (counts[top]! >= maxArray) {
          throw new ValidationError(
            `${what} has an array of more than ${maxArray} elements (the JSON array limit); send fewer per request.`,
            { details: { limit: 'maxJsonArrayLength', max: maxArray } },
          );
        }
      }
    } else if (empty && ch > 0x20) {
      empty = false;
    }
  }
}
