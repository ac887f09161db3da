/**
 * The one retry helper: exponential backoff with full jitter, retrying only errors that
 * say they are retryable (MemoryError.retryable or a caller-supplied predicate).
 */
import { MemoryError } from '../errors.ts';

export interface RetryOptions {
  retries?: number;
  minDelayMs?: number;
  maxDelayMs?: number;
  shouldRetry?: (error: unknown, attempt: number) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const retries = options.retries ?? 3;
  const minDelay = options.minDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const shouldRetry = options.shouldRetry ?? ((error) => MemoryError.isInstance(error) && error.retryable);
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= retries || !shouldRetry(error, attempt)) throw error;
      const cap = Math.min(maxDelay, minDelay * 2 ** attempt);
      const delay = Math.round(cap / 2 + (random() * cap) / 2);
      options.onRetry?.(error, attempt + 1, delay);
      await wait(delay);
    }
  }
}
