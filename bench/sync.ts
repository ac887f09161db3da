/**
 * Sync throughput and convergence (docs/sync.md, "Figures"): P `strata serve` processes on
 * loopback ports, each linked to every other (a mesh), each loaded with N memories of its
 * own (NDJSON import, spread over a few users) while background sync is off. Then they are
 * restarted with sync every 0.2 s and timed until every store shows the same digest:
 * convergence time, and entries applied per second over all peers (each one receives the
 * (P-1)·N entries it lacks). Last, a fresh instance rebuilds itself from one peer with
 * `strata restore --from-peer` (all P·N entries, verified), timed as one-way pull
 * throughput. Run from the repository root:
 *
 *   npx tsx bench/sync.ts [--memories 10000] [--peers 3] [--users 5] [--embedder static|hash]
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/strata');
const ADMIN = 'bench-admin-key-0123456789';
const run = promisify(execFile);

interface Node {
  name: string;
  dir: string;
  port: number;
  url: string;
  peers: Array<{ name: string; url: string; key: string; users: string[] }>;
  child?: ChildProcess;
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function writeConfig(node: Node, interval: number, embedder: string): string {
  const file = join(node.dir, 'strata.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      embedder: { kind: embedder },
      server: {
        apiKeys: [{ key: ADMIN, admin: true }],
        rateLimit: { perKeyPerMinute: 1_000_000, perUserPerMinute: 1_000_000 },
      },
      sync: { intervalSeconds: interval, batchSize: 1_000, peers: node.peers },
      log: { level: 'error' },
    }),
  );
  return file;
}

function start(node: Node, interval: number, embedder: string): Promise<void> {
  const config = writeConfig(node, interval, embedder);
  const child = spawn(
    process.execPath,
    [BIN, '--config', config, '--data-dir', node.dir, 'serve', '--port', String(node.port)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  node.child = child;
  return new Promise((done, fail) => {
    let log = '';
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (/strata listening on/.test(log)) done();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.once('exit', (code) => fail(new Error(`${node.name} exited ${code}: ${log}`)));
  });
}

async function stop(node: Node): Promise<void> {
  const child = node.child;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

async function api(node: Node, method: string, path: string, body?: string): Promise<unknown> {
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN}`,
      ...(body ? { 'content-type': 'application/x-ndjson' } : {}),
    },
    ...(body ? { body } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

async function digest(node: Node): Promise<{ entries: number; log: string; state: string }> {
  return (
    (await api(node, 'GET', '/v1/sync/status')) as { digest: { entries: number; log: string; state: string } }
  ).digest;
}

const WORDS = 'hiking sailing Berlin coffee exam piano garden train budget recipe doctor cello museum'.split(
  ' ',
);

function lines(node: Node, count: number, users: string[]): string[] {
  const at = '2025-03-01T10:00:00.000Z';
  return Array.from({ length: count }, (_, i) => {
    const content = `${node.name} note ${i}: ${WORDS[i % WORDS.length]} and ${WORDS[(i * 7) % WORDS.length]} on day ${i % 365}`;
    return JSON.stringify({
      kind: 'memory',
      ...{
        id: `${node.name}-${i}`,
        userId: users[i % users.length],
        layer: 'semantic',
        content,
        createdAt: at,
      },
      ...{
        updatedAt: at,
        importance: 0.5,
        strength: 1,
        accessCount: 0,
        lastAccessedAt: null,
        sources: [],
        links: [],
      },
      ...{ metadata: {}, version: 1, supersededBy: null, embeddingModel: null },
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      memories: { type: 'string', default: '10000' },
      peers: { type: 'string', default: '3' },
      users: { type: 'string', default: '5' },
      embedder: { type: 'string', default: 'static' },
    },
  });
  const memories = Number(values.memories);
  const peerCount = Number(values.peers);
  const users = Array.from({ length: Number(values.users) }, (_, i) => `user-${i}`);
  const embedder = values.embedder!;
  const nodes: Node[] = [];
  for (let i = 0; i < peerCount; i++) {
    const port = await freePort();
    const name = `p${i}`;
    nodes.push({
      name,
      dir: mkdtempSync(join(tmpdir(), `strata-bench-sync-${name}-`)),
      port,
      url: `http://127.0.0.1:${port}`,
      peers: [],
    });
  }
  for (const [i, x] of nodes.entries()) {
    for (const y of nodes.slice(i + 1)) {
      const key = `bench-pair-${x.name}-${y.name}-0123456789`;
      x.peers.push({ name: y.name, url: y.url, key, users });
      y.peers.push({ name: x.name, url: x.url, key, users });
    }
  }
  const fresh: Node = {
    name: 'fresh',
    dir: mkdtempSync(join(tmpdir(), 'strata-bench-sync-fresh-')),
    port: 0,
    url: '',
    peers: [],
  };
  try {
    await Promise.all(nodes.map((n) => start(n, 0, embedder)));
    const loadStart = performance.now();
    await Promise.all(
      nodes.map(async (node) => {
        const all = lines(node, memories, users);
        for (let i = 0; i < all.length; i += 2_000)
          await api(node, 'POST', '/v1/import', all.slice(i, i + 2_000).join('\n'));
      }),
    );
    const loadSeconds = (performance.now() - loadStart) / 1000;
    await Promise.all(nodes.map(stop));

    await Promise.all(nodes.map((n) => start(n, 0.2, embedder)));
    const syncStart = performance.now();
    const expected = memories * peerCount;
    for (;;) {
      const digests = await Promise.all(nodes.map(digest));
      if (
        digests.every((d) => d.entries === expected) &&
        new Set(digests.map((d) => d.log + d.state)).size === 1
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const convergenceSeconds = (performance.now() - syncStart) / 1000;
    const applied = (peerCount - 1) * memories * peerCount;

    fresh.peers.push({ name: 'p0', url: nodes[0]!.url, key: nodes[0]!.peers[0]!.key, users });
    // p0 must accept the fresh instance with that key: it already knows it as p1's key.
    const config = writeConfig(fresh, 0, embedder);
    const restoreStart = performance.now();
    await run(
      process.execPath,
      [BIN, '--json', '--config', config, '--data-dir', fresh.dir, 'restore', '--from-peer', 'p0'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const restoreSeconds = (performance.now() - restoreStart) / 1000;

    const round = (x: number) => Math.round(x * 100) / 100;
    console.log(
      JSON.stringify(
        {
          peers: peerCount,
          memoriesPerPeer: memories,
          users: users.length,
          embedder,
          loadSeconds: round(loadSeconds),
          convergenceSeconds: round(convergenceSeconds),
          entriesApplied: applied,
          meshEntriesPerSecond: Math.round(applied / convergenceSeconds),
          restoreEntries: expected,
          restoreSeconds: round(restoreSeconds),
          pullEntriesPerSecond: Math.round(expected / restoreSeconds),
          cpus: (await import('node:os')).cpus().length,
          node: process.version,
        },
        null,
        2,
      ),
    );
  } finally {
    await Promise.all(nodes.map(stop));
    for (const node of [...nodes, fresh]) rmSync(node.dir, { recursive: true, force: true });
  }
}

await main();
