/**
 * Memory of concurrent large imports: starts `bin/strata serve` of a given checkout (so the
 * same driver measures an older commit too) over a throwaway data dir, sends several large
 * NDJSON bodies to POST /v1/import at once over real sockets, and samples the server's
 * resident memory (VmRSS, and the kernel's high-water mark VmHWM) from /proc while they run.
 * An import refused for the concurrency cap (429) is sent again after its Retry-After.
 * Afterwards every user's export is counted, so the report says whether everything that was
 * acknowledged was stored. Linux only (/proc). Run: `npx tsx bench/import-rss.ts [--root DIR]
 * [--imports 4] [--mb 60] [--max-concurrent N]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRng } from './synthetic.ts';

export const ADMIN_KEY = 'import-bench-admin-key';

const WORDS =
  'alpine berlin coffee daughter evening festival garden harbor island journey kitchen lantern market notebook orchard piano quarter river saturday teacher umbrella violin winter yellow zebra allergy birthday concert dentist electric flight grocery holiday invoice jacket kayak library meeting nursery office passport recipe schedule ticket vacation wedding'.split(
    ' ',
  );

/** One import body: `memories` memory lines of user `userId`, each about `contentBytes` of words. */
export function importBody(userId: string, memories: number, contentBytes: number, seed = 1): Buffer {
  const rng = seededRng(seed);
  const lines: string[] = [];
  for (let i = 0; i < memories; i++) {
    const words: string[] = [];
    let size = 0;
    while (size < contentBytes) {
      const word = WORDS[Math.floor(rng() * WORDS.length)] ?? 'word';
      words.push(word);
      size += word.length + 1;
    }
    lines.push(
      JSON.stringify({
        kind: 'memory',
        id: `${userId}-m${i}`,
        userId,
        layer: 'semantic',
        content: `${userId} note ${i}: ${words.join(' ')}`,
        createdAt: '2024-01-01T00:00:00.000Z',
        updatedAt: '2024-01-01T00:00:00.000Z',
        importance: 0.5,
        strength: 1,
        accessCount: 0,
        lastAccessedAt: null,
        sources: [],
        links: [],
        metadata: {},
        version: 1,
        supersededBy: null,
        embeddingModel: null,
      }),
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

export interface ImportReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * POSTs `body` to /v1/import with a content-length, in 256 KB writes that wait for the
 * socket. With `holdAfter`, only that many bytes are sent until `release()` is called, so a
 * test can keep an import running (and its slot taken) as long as it likes.
 */
export function sendImport(
  url: string,
  body: Buffer,
  options: { key?: string; holdAfter?: number } = {},
): { reply: Promise<ImportReply>; release(): void } {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  if (options.holdAfter === undefined) release();
  const reply = new Promise<ImportReply>((resolve, reject) => {
    const req = request(`${url}/v1/import`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${options.key ?? ADMIN_KEY}`,
        'content-type': 'application/x-ndjson',
        'content-length': String(body.length),
      },
    });
    let answered = false;
    let sentAll = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        // Answered before the whole body went out: this socket is out of step, never reuse it.
        if (!sentAll) req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
      });
    });
    // A server that answers early (429, 413) and closes may break the upload (EPIPE) a moment
    // before its reply is parsed: give the reply that moment before calling it a failure.
    req.on('error', (error) => {
      if (!answered) setTimeout(() => answered || reject(error), 1_000);
    });
    const write = async () => {
      const step = 256 * 1024;
      const hold = options.holdAfter ?? Number.POSITIVE_INFINITY;
      for (let at = 0; at < body.length && !answered; at += step) {
        if (at >= hold) await held;
        if (answered) break;
        const chunk = body.subarray(at, Math.min(body.length, at + step));
        if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
      }
      if (answered) return;
      sentAll = true;
      req.end();
    };
    write().catch(reject);
  });
  return { reply, release };
}

/** Resident memory of a process in MB: current (VmRSS) and the peak so far (VmHWM). */
export function residentMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Samples VmRSS every `everyMs` until stopped; returns the highest sample. */
export function sampleRss(pid: number, everyMs = 20): { stop(): number } {
  let peak = 0;
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, residentMb(pid).rss);
    } catch {
      // the process is gone
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Counts the memory lines of one user's export. */
export async function exportedMemories(url: string, userId: string, key = ADMIN_KEY): Promise<number> {
  const response = await fetch(`${url}/v1/export?userId=${encodeURIComponent(userId)}&includeHistory=false`, {
    headers: { authorization: `Bearer ${key}` },
  });
  if (!response.ok) throw new Error(`export of ${userId}: ${response.status} ${await response.text()}`);
  let count = 0;
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    rest += decoder.decode(chunk, { stream: true });
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{"kind":"memory"')) count++;
  }
  return count;
}

/** The server's V8 heap in use and its external (Buffer) memory in MB, from /metrics. */
async function heapMb(url: string): Promise<{ heapUsed: number; external: number }> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  ).text();
  const read = (name: string) =>
    Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 1048576);
  return {
    heapUsed: read('strata_nodejs_heap_size_used_bytes'),
    external: read('strata_nodejs_external_memory_bytes'),
  };
}

export interface BenchServer {
  url: string;
  child: ChildProcess;
  dataDir: string;
  stop(): Promise<void>;
}

/** `bin/strata serve` of the checkout at `root`, on a free port, over a fresh temp data dir. */
export async function startBenchServer(
  root: string,
  server: Record<string, unknown> = {},
): Promise<BenchServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'strata-import-rss-'));
  const configFile = join(dataDir, 'strata.config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      dataDir,
      embedder: { kind: 'hash' },
      log: { level: 'error' },
      server: {
        apiKeys: [{ key: ADMIN_KEY, admin: true, name: 'admin' }],
        rateLimit: { perKeyPerMinute: 100_000, perUserPerMinute: 100_000 },
        requestTimeoutMs: 300_000,
        ...server,
      },
    }),
  );
  const child = spawn(
    process.execPath,
    [join(root, 'bin/strata'), '--config', configFile, 'serve', '--port', '0'],
    {
      cwd: root,
      // Both checkouts run their sources through tsx, so the numbers compare like for like.
      env: { ...process.env, STRATA_NO_BUNDLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log}`)), 30_000);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const match = /listening on (https?:\/\/\S+)/.exec(log);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${log}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    child,
    dataDir,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ImportRssReport {
  root: string;
  imports: number;
  bodyMb: number;
  baselineRssMb: number;
  peakRssMb: number;
  peakHwmMb: number;
  /** Right after the last import: what stays (the stored data's indexes and caches). */
  afterRssMb: number;
  afterHeapUsedMb: number;
  afterExternalMb: number;
  refused: number;
  seconds: number;
  expected: number;
  stored: number;
}

export async function runImportRss(options: {
  root: string;
  imports: number;
  megabytes: number;
  maxConcurrent?: number;
}): Promise<ImportRssReport> {
  const contentBytes = 8_000;
  const memories = Math.ceil((options.megabytes * 1024 * 1024) / (contentBytes + 330));
  const bodies = Array.from({ length: options.imports }, (_, i) =>
    importBody(`rss-user-${i}`, memories, contentBytes, i + 1),
  );
  const server = await startBenchServer(
    options.root,
    options.maxConcurrent === undefined ? {} : { import: { maxConcurrent: options.maxConcurrent } },
  );
  const pid = server.child.pid as number;
  try {
    await new Promise((r) => setTimeout(r, 1000));
    const baselineRssMb = residentMb(pid).rss;
    const sampler = sampleRss(pid);
    const started = performance.now();
    let refused = 0;
    await Promise.all(
      bodies.map(async (body) => {
        for (;;) {
          const reply = await sendImport(server.url, body).reply;
          if (reply.status === 200) return;
          if (reply.status !== 429) throw new Error(`import: ${reply.status} ${reply.body}`);
          refused++;
          await new Promise((r) => setTimeout(r, Number(reply.headers['retry-after'] ?? 1) * 1000));
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const peakRssMb = sampler.stop();
    const peakHwmMb = residentMb(pid).hwm;
    const after = await heapMb(server.url);
    const afterRssMb = residentMb(pid).rss;
    let stored = 0;
    for (let i = 0; i < options.imports; i++) stored += await exportedMemories(server.url, `rss-user-${i}`);
    return {
      root: options.root,
      imports: options.imports,
      bodyMb: Math.round((bodies[0]?.length ?? 0) / 1024 / 1024),
      baselineRssMb: Math.round(baselineRssMb),
      peakRssMb: Math.round(peakRssMb),
      peakHwmMb: Math.round(peakHwmMb),
      afterRssMb: Math.round(afterRssMb),
      afterHeapUsedMb: after.heapUsed,
      afterExternalMb: after.external,
      refused,
      seconds: Math.round(seconds * 10) / 10,
      expected: memories * options.imports,
      stored,
    };
  } finally {
    await server.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(`--${name}`);
    return at >= 0 ? process.argv[at + 1] : undefined;
  };
  const maxConcurrent = arg('max-concurrent');
  const report = await runImportRss({
    root: arg('root') ?? join(import.meta.dirname, '..'),
    imports: Number(arg('imports') ?? 4),
    megabytes: Number(arg('mb') ?? 60),
    ...(maxConcurrent ? { maxConcurrent: Number(maxConcurrent) } : {}),
  });
  console.log(JSON.stringify(report, null, 2));
}
