/**
 * Typed errors for every surface. Each error carries a stable `code`, a `retryable` flag and
 * an actionable message (what failed, with which value, what to do). Surfaces map codes to
 * transport statuses (HTTP, MCP, CLI exit codes) in one place, never by matching messages.
 */

/** Every error code, stable across versions. */
export const ERROR_CODES = [
  'validation_error',
  'not_found',
  'forbidden',
  'unauthorized',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'request_timeout',
  'quota_exceeded',
  'rate_limited',
  'config_error',
  'model_missing',
  'model_mismatch',
  'store_unavailable',
  'embedder_error',
  'upstream_error',
  'integrity_error',
  'closed',
  'internal_error',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Optional parts of a {@link MemoryError}. */
export interface MemoryErrorOptions {
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

const MARKER = Symbol.for('strata.MemoryError');

/** The base of every error Strata throws: a stable `code` (see {@link ERROR_CODES}), a `retryable` flag and a message that says what to fix. Surfaces map the code to HTTP statuses, MCP errors and CLI exit codes. */
export class MemoryError extends Error {
  /** Stable machine-readable code; one of {@link ERROR_CODES}. */
  readonly code: ErrorCode;
  /** Whether the same call may succeed if retried later. */
  readonly retryable: boolean;
  /** Structured context (field, limit, ids); empty when there is none. */
  readonly details: Record<string, unknown>;
  readonly [MARKER] = true;

  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(code: ErrorCode, message: string, options: MemoryErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MemoryError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }

  /** Works across module copies (no instanceof pitfalls). */
  static isInstance(value: unknown): value is MemoryError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  /** The `{ code, message, details? }` envelope the HTTP API sends. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

/** validation_error: the input is malformed; the message names the field (e.g. `inputs[1].content`). */
export class ValidationError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('validation_error', message, options);
    this.name = 'ValidationError';
  }
}

/** unsupported_media_type: a request body that is not JSON (or NDJSON for imports); the message names the type to send. */
export class UnsupportedMediaTypeError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('unsupported_media_type', message, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** not_found: no such memory for this user (another user's memory is reported the same way). */
export class NotFoundError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('not_found', message, options);
    this.name = 'NotFoundError';
  }
}

/** forbidden: the caller may not act for this user. */
export class ForbiddenError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('forbidden', message, options);
    this.name = 'ForbiddenError';
  }
}

/** unauthorized: a missing or wrong API key. */
export class UnauthorizedError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('unauthorized', message, options);
    this.name = 'UnauthorizedError';
  }
}

/** conflict: the write conflicts with the current state (e.g. an id that exists, a stale version). */
export class ConflictError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('conflict', message, options);
    this.name = 'ConflictError';
  }
}

/** payload_too_large: content, metadata or a request body over the configured limit. */
export class PayloadTooLargeError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('payload_too_large', message, options);
    this.name = 'PayloadTooLargeError';
  }
}

/** quota_exceeded: the user's memory quota is used up. */
export class QuotaExceededError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('quota_exceeded', message, options);
    this.name = 'QuotaExceededError';
  }
}

/** rate_limited: too many requests; retry after `retryAfterSeconds`. */
export class RateLimitedError extends MemoryError {
  /** Seconds to wait before retrying. */
  readonly retryAfterSeconds: number;
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, retryAfterSeconds: number, options: MemoryErrorOptions = {}) {
    super('rate_limited', message, { retryable: true, ...options });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** config_error: the configuration is invalid or names something absent; the message names the field and its source. */
export class ConfigError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('config_error', message, options);
    this.name = 'ConfigError';
  }
}

/** model_missing: the configured embedding model (or the optional package that runs it) is not installed; the message says what to install or where to put the files. */
export class ModelMissingError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('model_missing', message, options);
    this.name = 'ModelMissingError';
  }
}

/** model_mismatch: the store was embedded with another model than the configured one; run `strata reembed` or configure the old model. */
export class ModelMismatchError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('model_mismatch', message, options);
    this.name = 'ModelMismatchError';
  }
}

/** store_unavailable: the store cannot be reached or opened (retryable when transient). */
export class StoreUnavailableError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('store_unavailable', message, { retryable: true, ...options });
    this.name = 'StoreUnavailableError';
  }
}

/** embedder_error: the embedding model failed on a call. */
export class EmbedderError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('embedder_error', message, options);
    this.name = 'EmbedderError';
  }
}

/** upstream_error: an upstream service (LLM or embedding API) answered with an error; `status` is its HTTP status. */
export class UpstreamError extends MemoryError {
  /** The upstream's HTTP status. */
  readonly status: number;
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, status: number, options: MemoryErrorOptions = {}) {
    super('upstream_error', message, { retryable: status >= 500 || status === 429, ...options });
    this.name = 'UpstreamError';
    this.status = status;
  }
}

/**
 * integrity_error: a change log does not verify: an entry edited, a signature forged, a
 * chain truncated or forked (two different entries at one position), or a peer serving such
 * a log. `details.reason` says which (`tampered`, `signature`, `truncated`, `fork`, `gap`,
 * `untrusted`, `identity`).
 */
export class IntegrityError extends MemoryError {
  /** Creates the error. @param message What failed, with which value, and what to do about it. */
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('integrity_error', message, options);
    this.name = 'IntegrityError';
  }
}

/** closed: the instance was closed; create a new one with createMemory(). */
export class ClosedError extends MemoryError {
  /** Creates the error. @param message Defaults to a message that says how to get a new instance. */
  constructor(message = 'This Strata instance is closed; create a new one with createMemory().') {
    super('closed', message);
    this.name = 'ClosedError';
  }
}

/** Wraps anything thrown into a MemoryError without losing the original as `cause`. */
export function toMemoryError(error: unknown): MemoryError {
  if (MemoryError.isInstance(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new MemoryError('internal_error', `Internal error: ${message}`, { cause: error });
}
