// The inspector's one way to the REST API. The key lives in sessionStorage (this tab only,
// gone when it closes) and travels only in the Authorization header, never in a URL; bodies
// are JSON, which the server's browser guard requires, so no other page can forge a write.
// Admin (and open) callers act for the user chosen in the picker; a bound key's user is
// implied, and the page never names another one for it.

const KEY = 'strata.inspector.key';
const USER = 'strata.inspector.user';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  /** The GET /v1/whoami reply for the key in use. */
  who: null,
  get key() {
    return sessionStorage.getItem(KEY) ?? '';
  },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
  /** The user the page shows: a bound key's own, else the one picked. */
  get user() {
    if (this.who?.kind === 'user') return this.who.userId;
    return sessionStorage.getItem(USER) ?? '';
  },
  set user(value) {
    if (value) sessionStorage.setItem(USER, value);
    else sessionStorage.removeItem(USER);
  },
  get canPickUser() {
    return this.who !== null && this.who.kind !== 'user';
  },
  clear() {
    this.who = null;
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(USER);
  },
};

/** `userId` for the query string or body: only when the key is not bound (bound keys imply it). */
export function actingUser() {
  return session.canPickUser ? { userId: session.user } : {};
}

async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: fall back to the status line.
  }
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code ?? 'http_error',
    error?.message ?? `The server answered ${response.status} ${response.statusText}.`,
  );
}

/** Calls the API; resolves to the parsed JSON (or the Response with `raw`), throws ApiError. */
export async function api(method, path, { query, json, raw = false } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const headers = { accept: raw ? '*/*' : 'application/json' };
  if (session.key) headers.authorization = `Bearer ${session.key}`;
  const init = { method, headers, credentials: 'omit', cache: 'no-store', redirect: 'error' };
  if (json !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  const response = await fetch(url, init);
  if (!response.ok) throw await errorOf(response);
  return raw ? response : response.json();
}
