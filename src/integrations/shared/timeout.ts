/**
 * Bounds how long an integration waits for memory before going on without it: the chat
 * must not hang because recall is slow. The work itself is not cancelled (it may still
 * warm caches); only the wait ends, with an error whose `code` is `timeout`.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what = 'operation'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`${what} took longer than ${ms} ms`), { code: 'timeout' })),
      ms,
    );
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
