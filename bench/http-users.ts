/**
 * Concurrent users over HTTP: starts `bin/strata serve` on a free loopback port with a
 * throwaway data dir, then drives a bounded autocannon load of mixed observe (POST
 * /v1/turns) and recall (POST /v1/recall) requests spread over 50 users, and reports
 * throughput, latency percentiles and errors. The server is always stopped afterwards.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { packageRoot } from '../src/util/package-root.ts';
import { sentenceGenerator } from './synthetic.ts';

const REPO_ROOT = packageRoot();

export interface HttpLoadReport {
  users: number;
  connections: number;
  requests: number;
  durationS: number;
  requestsPerSec: number;
  latencyMs: { p50: number; p90: number; p99: number; mean: number; max: number };
  errors: number;
  non2xx: number;
  timeouts: number;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? ok(address.port) : fail(new Error('no port')),
      );
    });
  });
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`strata serve exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`strata serve did not become ready at ${url} within ${timeoutMs} ms`);
}

export async function runHttpLoad(
  scratch: string,
  options: { users: number; connections: number; requests: number; embedder: string },
): Promise<HttpLoadReport> {
  const port = await freePort();
  const dataDir = join(scratch, 'http');
  mkdirSync(dataDir, { recursive: true });
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/strata'), 'serve'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      STRATA_PORT: String(port),
      STRATA_HOST: '127.0.0.1',
      STRATA_DATA_DIR: dataDir,
      STRATA_EMBEDDER: options.embedder,
      STRATA_LOG_LEVEL: 'error',
      // The load is the point here: lift the per-user and per-key limits for the run.
      STRATA_SERVER__RATE_LIMIT__PER_USER_PER_MINUTE: '1000000',
      STRATA_SERVER__RATE_LIMIT__PER_KEY_PER_MINUTE: '1000000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(url, child, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${stderr}`);
    });
    const gen = sentenceGenerator(555);
    let n = 0;
    const result = await autocannon({
      url,
      connections: options.connections,
      amount: options.requests,
      timeout: 30,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request) => {
            n += 1;
            const userId = `http-user-${n % options.users}`;
            const observe = n % 2 === 0;
            return {
              ...request,
              path: observe ? '/v1/turns' : '/v1/recall',
              body: JSON.stringify(
                observe
                  ? {
                      userId,
                      chatId: `c${n % 5}`,
                      messages: [
                        { role: 'user', content: gen.next() },
                        { role: 'assistant', content: 'Got it.' },
                      ],
                    }
                  : { userId, messages: [{ role: 'user', content: gen.next() }] },
              ),
            };
          },
        },
      ],
    });
    return {
      users: options.users,
      connections: options.connections,
      requests: result.requests.total,
      durationS: result.duration,
      requestsPerSec: result.requests.average,
      latencyMs: {
        p50: result.latency.p50,
        p90: result.latency.p90,
        p99: result.latency.p99,
        mean: result.latency.average,
        max: result.latency.max,
      },
      errors: result.errors,
      non2xx: result.non2xx,
      timeouts: result.timeouts,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}
