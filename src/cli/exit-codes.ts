/**
 * The CLI's exit status per error code (documented in README "CLI exit codes"), shared by
 * main.ts, which maps thrown errors, and commands that report a failure after printing
 * their result (verify).
 */
import type { ErrorCode } from '../errors.ts';

/** Exit status per error code (documented in README "CLI exit codes"). */
export const EXIT_CODES: Record<ErrorCode, number> = {
  internal_error: 1,
  closed: 1,
  validation_error: 2,
  unsupported_media_type: 2,
  request_timeout: 11,
  not_found: 3,
  conflict: 4,
  payload_too_large: 5,
  quota_exceeded: 5,
  rate_limited: 6,
  unauthorized: 7,
  forbidden: 7,
  model_missing: 8,
  model_mismatch: 9,
  config_error: 10,
  store_unavailable: 11,
  embedder_error: 12,
  upstream_error: 13,
  integrity_error: 14,
};
