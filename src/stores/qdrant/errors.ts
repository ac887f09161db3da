/**
 * How Qdrant failures become Strata errors. Transport failures (connection refused or
 * reset, DNS not yet resolvable while a container starts, timeouts) and the statuses a
 * starting or overloaded Qdrant answers (429, 502, 503, 504) are retryable; everything else
 * (a 400 for a bad request, a 404 for a missing collection) fails at once, because
 * repeating it cannot help. Once retries are exhausted the caller gets a
 * StoreUnavailableError that names the URL and how to start Qdrant.
 */
import { MemoryError, StoreUnavailableError, UpstreamError } from '../../errors.ts';

const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

export const START_HINT = 'Start Qdrant with `docker run -p 6333:6333 qdrant/qdrant` or fix store.url';

/** The HTTP status of a client error, if the failure got as far as a response. */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return status;
  const match = /Unexpected Response: (\d{3})/.exec(String((error as { message?: unknown }).message));
  return match ? Number(match[1]) : undefined;
}

/** The system error code (ECONNREFUSED ...) anywhere along the `cause` chain. */
export function networkCodeOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) current = errors[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'QdrantClientTimeoutError' || error.name === 'AbortError');
}

export function isRetryableQdrantError(error: unknown): boolean {
  if (MemoryError.isInstance(error)) return error.retryable;
  if (networkCodeOf(error) !== undefined || isTimeout(error)) return true;
  const status = statusOf(error);
  if (status !== undefined) return RETRYABLE_STATUSES.has(status);
  return error instanceof Error && error.name === 'QdrantClientResourceExhaustedError';
}

function detailOf(error: unknown): string {
  const data = (error as { data?: { status?: { error?: unknown } } } | null)?.data;
  const message = data?.status?.error;
  if (typeof message === 'string') return message;
  return error instanceof Error ? error.message.split('\n')[0]! : String(error);
}

/** Maps a failure after retries into a MemoryError that says what to do next. */
export function toStoreError(error: unknown, operation: string, url: string): MemoryError {
  if (MemoryError.isInstance(error)) return error;
  const status = statusOf(error);
  if (isRetryableQdrantError(error)) {
    const why = networkCodeOf(error) ?? (status !== undefined ? `HTTP ${status}` : 'timeout');
    return new StoreUnavailableError(
      `Qdrant at ${url} is not available (${why}) for ${operation} after retrying. ${START_HINT}, then try again.`,
      { cause: error, details: { url, operation } },
    );
  }
  const detail = detailOf(error);
  if (status !== undefined) {
    return new UpstreamError(
      `Qdrant at ${url} rejected ${operation} with HTTP ${status}: ${detail}`,
      status,
      {
        cause: error,
        details: { url, operation },
      },
    );
  }
  return new MemoryError('internal_error', `Qdrant ${operation} failed at ${url}: ${detail}`, {
    cause: error,
    details: { url, operation },
  });
}
