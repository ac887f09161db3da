/**
 * Edge checks for the engine beyond its zod schemas (parsed through src/validation.ts):
 * user and memory ids, and the content/metadata/batch limits (empty after trim, too many
 * bytes, too many items). Every public engine method runs its input through these once,
 * so the HTTP server, CLI and MCP server get the same messages.
 */
import type { StrataConfig } from '../config/schema.ts';
import { PayloadTooLargeError, ValidationError } from '../errors.ts';
import { UserIdSchema } from '../types.ts';
import { parseWith } from '../validation.ts';

export function parseUserId(userId: unknown): string {
  return parseWith(UserIdSchema, userId, 'userId', 'userId');
}

export function parseId(id: unknown, label = 'id'): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > 128) {
    throw new ValidationError(
      `${label} must be a memory id string (1..128 characters), got ${JSON.stringify(id)}.`,
      {
        details: { field: label },
      },
    );
  }
  return id;
}

/** Trims content and enforces non-empty and limits.maxContentBytes; returns the trimmed text. */
export function checkContent(content: string, config: StrataConfig, field = 'content'): string {
  const trimmed = content.trim();
  if (trimmed.length === 0) {
    throw new ValidationError(`${field} must not be empty; give the text to remember.`, {
      details: { field },
    });
  }
  const bytes = Buffer.byteLength(trimmed, 'utf8');
  const limit = config.limits.maxContentBytes;
  if (bytes > limit) {
    throw new PayloadTooLargeError(
      `${field} is ${bytes} bytes, over the limit of ${limit} bytes (limits.maxContentBytes); ` +
        'split the text into smaller memories or raise the limit.',
      { details: { field, bytes, limit } },
    );
  }
  return trimmed;
}

export function checkMetadata(
  metadata: Record<string, unknown> | undefined,
  config: StrataConfig,
  field = 'metadata',
): void {
  if (!metadata) return;
  const bytes = Buffer.byteLength(JSON.stringify(metadata), 'utf8');
  const limit = config.limits.maxMetadataBytes;
  if (bytes > limit) {
    throw new PayloadTooLargeError(
      `${field} is ${bytes} bytes of JSON, over the limit of ${limit} bytes (limits.maxMetadataBytes); store less metadata.`,
      { details: { field, bytes, limit } },
    );
  }
}

export function checkBatch(size: number, config: StrataConfig, field = 'inputs'): void {
  const limit = config.limits.maxBatchSize;
  if (size > limit) {
    throw new PayloadTooLargeError(
      `${field} has ${size} items, over the limit of ${limit} (limits.maxBatchSize); send smaller batches.`,
      { details: { field, size, limit } },
    );
  }
}
