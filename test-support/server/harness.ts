/**
 * Test harness: starts a real Strata server on a free loopback port over a temp data dir,
 * with three keys (admin, alice-bound, bob-bound) unless told otherwise, and a `call`
 * helper that speaks HTTP over the real socket. Each harness removes its temp dir.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigSchema, type StrataConfigInput } from '../../src/config/schema.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import { startStrataServer } from '../../src/integrations/server.ts';
import type { RunningServer } from '../../src/server/start.ts';
import { silentLogger } from '../../src/util/logger.ts';

export const KEYS = {
  admin: 'admin-key-0123456789',
  alice: 'alice-key-0123456789',
  bob: 'bob-key-0123456789ab',
} as const;

export const API_KEYS = [
  { key: KEYS.admin, admin: true as const, name: 'admin' },
  { key: KEYS.alice, userId: 'alice', name: 'alice' },
  { key: KEYS.bob, userId: 'bob', name: 'bob' },
];

export interface Harness {
  url: string;
  dataDir: string;
  server: RunningServer;
  call(
    method: string,
    path: string,
    options?: { key?: string | null; json?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; body: unknown; text: string; headers: Headers }>;
  close(): Promise<void>;
}

export async function startHarness(
  memory: StrataMemory,
  overrides: { server?: Record<string, unknown>; fetch?: typeof fetch; startOutbox?: boolean } & Omit<
    StrataConfigInput,
    'server'
  > = {},
): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-server-'));
  const { server: serverOverrides, fetch: fetchImpl, startOutbox, ...rest } = overrides;
  const config = ConfigSchema.parse({
    ...rest,
    dataDir,
    server: { port: 0, apiKeys: API_KEYS, ...serverOverrides },
  });
  const server = await startStrataServer({
    memory,
    config,
    logger: silentLogger,
    closeMemory: false,
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
    ...(startOutbox === false ? { startOutbox } : {}),
  });
  return {
    url: server.url,
    dataDir,
    server,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const key = options.key === undefined ? KEYS.admin : options.key;
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.json !== undefined) body = JSON.stringify(options.json);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // NDJSON, metrics text: leave as text.
      }
      return { status: response.status, body: parsed, text, headers: response.headers };
    },
    async close() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Narrow access to `{error:{code,message}}` replies in assertions. */
export function errorOf(body: unknown): { code: string; message: string } {
  return (body as { error: { code: string; message: string } }).error;
}
