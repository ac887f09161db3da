/**
 * Several `strata serve` children that sync with each other, for the sync tests and bench:
 * each node has its own data dir and a fixed loopback port (found free up front, so its
 * peers reach it again after a restart), an admin key, and one shared key per linked pair.
 * `link(a, b, users)` makes a and b peers of each other for those users; `start`/`kill`
 * run and stop a node's process (SIGKILL for a crash); `call` speaks HTTP to a node.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildServer, startChildServer } from './child-server.ts';

export const ADMIN_KEY = 'cluster-admin-key-0123456789';

export interface ClusterNode {
  name: string;
  dir: string;
  port: number;
  url: string;
  server?: ChildServer | undefined;
  peers: Array<{ name: string; url: string; key: string; users: string[]; scopes?: Record<string, string> }>;
  extra: Record<string, unknown>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function makeNode(name: string, extra: Record<string, unknown> = {}): Promise<ClusterNode> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `strata-sync-${name}-`));
  return { name, dir, port, url: `http://127.0.0.1:${port}`, peers: [], extra };
}

export function link(a: ClusterNode, b: ClusterNode, users: string[], scopes?: Record<string, string>): void {
  const key = `pair-${[a.name, b.name].sort().join('-')}-secret-0123456789`;
  a.peers.push({ name: b.name, url: b.url, key, users, ...(scopes ? { scopes } : {}) });
  b.peers.push({ name: a.name, url: a.url, key, users, ...(scopes ? { scopes } : {}) });
}

export function configFile(node: ClusterNode, intervalSeconds: number): string {
  const file = join(node.dir, 'strata.config.json');
  const { sync: extraSync, ...rest } = node.extra as { sync?: Record<string, unknown> };
  writeFileSync(
    file,
    JSON.stringify({
      embedder: { kind: 'hash' },
      // Tests check every memory on every node: far more calls than the default key limit.
      server: {
        apiKeys: [{ key: ADMIN_KEY, admin: true, name: 'admin' }],
        rateLimit: { perKeyPerMinute: 1_000_000, perUserPerMinute: 1_000_000 },
      },
      log: { level: 'warn' },
      ...rest,
      sync: { intervalSeconds, batchSize: 200, ...extraSync, peers: node.peers },
    }),
  );
  return file;
}

export async function startNode(node: ClusterNode, intervalSeconds = 0.3): Promise<ChildServer> {
  const file = configFile(node, intervalSeconds);
  node.server = await startChildServer(['--config', file, '--data-dir', node.dir], {}, { port: node.port });
  return node.server;
}

export async function killNode(node: ClusterNode, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  const server = node.server;
  node.server = undefined;
  if (server && server.child.exitCode === null) await server.stop(signal);
}

export function removeNode(node: ClusterNode): void {
  rmSync(node.dir, { recursive: true, force: true });
}

export async function call(
  node: ClusterNode,
  method: string,
  path: string,
  body?: unknown,
  options: { key?: string; contentType?: string } = {},
): Promise<{ status: number; body: unknown }> {
  const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${options.key ?? ADMIN_KEY}`,
      ...(raw === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }),
    },
    ...(raw === undefined ? {} : { body: raw }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // NDJSON or empty
  }
  return { status: response.status, body: parsed };
}

/** The node's digest of one user's log and state (GET /v1/sync/status). */
export async function digestOf(node: ClusterNode, userId: string): Promise<string> {
  const { status, body } = await call(node, 'GET', `/v1/sync/status?user=${encodeURIComponent(userId)}`);
  if (status !== 200) throw new Error(`status ${status}: ${JSON.stringify(body)}`);
  const { digest } = body as { digest: { log: string; state: string; entries: number; memories: number } };
  return `${digest.entries}/${digest.memories}/${digest.log.slice(0, 12)}/${digest.state.slice(0, 12)}`;
}

/** Polls until every node shows the same digest for every user (or the deadline passes). */
export async function converged(nodes: ClusterNode[], users: string[], deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    let same = true;
    for (const user of users) {
      const digests = await Promise.all(nodes.map((n) => digestOf(n, user)));
      if (new Set(digests).size !== 1) same = false;
    }
    if (same) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
