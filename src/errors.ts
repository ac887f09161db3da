/**
 * Typed errors for every surface. Each error carries a stable `code`, a `retryable` flag and
 * an actionable message (what failed, with which value, what to do). Surfaces map codes to
 * transport statuses (HTTP, MCP, CLI exit codes) in one place, never by matching messages.
 */

export const ERROR_CODES = [
  'validation_error',
  'not_found',
  'forbidden',
  'unauthorized',
  'conflict',
  'payload_too_large',
  'quota_exceeded',
  'rate_limited',
  'config_error',
  'model_missing',
  'model_mismatch',
  'store_unavailable',
  'embedder_error',
  'upstream_error',
  'closed',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface MemoryErrorOptions {
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
}

const MARKER = Symbol.for('strata.MemoryError');

export class MemoryError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;
  readonly [MARKER] = true;

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

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return Object.keys(this.details).length > 0
      ? { code: this.code, message: this.message, details: this.details }
      : { code: this.code, message: this.message };
  }
}

export class ValidationError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('validation_error', message, options);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('not_found', message, options);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('forbidden', message, options);
    this.name = 'ForbiddenError';
  }
}

export class UnauthorizedError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('unauthorized', message, options);
    this.name = 'UnauthorizedError';
  }
}

export class ConflictError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('conflict', message, options);
    this.name = 'ConflictError';
  }
}

export class PayloadTooLargeError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('payload_too_large', message, options);
    this.name = 'PayloadTooLargeError';
  }
}

export class QuotaExceededError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('quota_exceeded', message, options);
    this.name = 'QuotaExceededError';
  }
}

export class RateLimitedError extends MemoryError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number, options: MemoryErrorOptions = {}) {
    super('rate_limited', message, { retryable: true, ...options });
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class ConfigError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('config_error', message, options);
    this.name = 'ConfigError';
  }
}

export class ModelMissingError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('model_missing', message, options);
    this.name = 'ModelMissingError';
  }
}

export class ModelMismatchError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('model_mismatch', message, options);
    this.name = 'ModelMismatchError';
  }
}

export class StoreUnavailableError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('store_unavailable', message, { retryable: true, ...options });
    this.name = 'StoreUnavailableError';
  }
}

export class EmbedderError extends MemoryError {
  constructor(message: string, options: MemoryErrorOptions = {}) {
    super('embedder_error', message, options);
    this.name = 'EmbedderError';
  }
}

export class UpstreamError extends MemoryError {
  readonly status: number;
  constructor(message: string, status: number, options: MemoryErrorOptions = {}) {
    super('upstream_error', message, { retryable: status >= 500 || status === 429, ...options });
    this.name = 'UpstreamError';
    this.status = status;
  }
}

export class ClosedError extends MemoryError {
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
