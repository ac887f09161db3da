/**
 * The one place that turns errors into HTTP replies. MemoryError codes map to statuses;
 * a stray zod failure becomes the same validation error as everywhere (src/validation.ts); anything else becomes a
 * generic 500 whose message carries the request id but never a stack trace or internals,
 * so a client learns what to fix and an attacker learns nothing.
 */
import { ZodError } from 'zod';
import { type ErrorCode, MemoryError, RateLimitedError, UpstreamError } from '../errors.ts';
import { toValidationError } from '../validation.ts';

const STATUS: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  model_mismatch: 409,
  integrity_error: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  request_timeout: 408,
  quota_exceeded: 429,
  rate_limited: 429,
  config_error: 500,
  internal_error: 500,
  upstream_error: 502,
  model_missing: 503,
  store_unavailable: 503,
  embedder_error: 503,
  closed: 503,
};

export interface ErrorReply {
  status: number;
  body: { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };
  headers: Record<string, string>;
}

export function toErrorReply(error: unknown, requestId: string): ErrorReply {
  const err = error instanceof ZodError ? toValidationError(error, 'request') : error;
  if (!MemoryError.isInstance(err)) {
    return {
      status: 500,
      headers: {},
      body: {
        error: {
          code: 'internal_error',
          message: `Internal error while handling request ${requestId}; the server logged the cause.`,
        },
      },
    };
  }
  let status = STATUS[err.code] ?? 500;
  const headers: Record<string, string> = {};
  if (err instanceof UpstreamError && err.status >= 400 && err.status < 600) status = err.status;
  if (err.code === 'rate_limited') {
    const seconds = err instanceof RateLimitedError ? err.retryAfterSeconds : 1;
    headers['retry-after'] = String(Math.max(1, Math.ceil(seconds)));
  }
  const message =
    err.code === 'internal_error'
      ? `Internal error while handling request ${requestId}; the server logged the cause.`
      : err.message;
  const safeDetails = err.code === 'internal_error' ? {} : err.details;
  const body: ErrorReply['body'] = { error: { code: err.code, message } };
  if (Object.keys(safeDetails).length > 0 && isJsonSafe(safeDetails)) body.error.details = safeDetails;
  return { status, headers, body };
}

function isJsonSafe(value: unknown): boolean {
  try {
    JSON.stringify(value);
    return true;
  } catch {
    return false;
  }
}
