/**
 * POST /v1/import under load, over real sockets against `strata serve` as a child process:
 * four large imports (about 20 MB each) at once with server.import.maxConcurrent = 2. Two are
 * held open mid-body (their slots taken, shown by the strata_imports_in_flight gauge), the
 * other two get 429 in the JSON envelope with Retry-After before their bodies are read; once
 * the held ones finish, the refused ones are sent again, and every acknowledged import is in
 * the store, memory for memory. The body is read as a stream: a bad line near the start is
 * answered (400 naming the line) while the client still holds the rest of the body back, and
 * a line longer than server.bodyLimitBytes is refused with 413. The server's RSS is sampled
 * from /proc throughout and printed (bench/import-rss.ts measures it properly).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_KEY,
  type BenchServer,
  exportedMemories,
  importBody,
  residentMb,
  sampleRss,
  sendImport,
  startBenchServer,
} from '../../bench/import-rss.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const MEMORIES = 2_400; // about 20 MB per import at 8 KB of content each
const linux = (() => {
  try {
    readFileSync('/proc/self/status');
    return true;
  } catch {
    return false;
  }
})();

async function inFlight(url: string): Promise<number> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })
  ).text();
  return Number(/^strata_imports_in_flight (\S+)/m.exec(text)?.[1] ?? Number.NaN);
}

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.skipIf(!linux)('POST /v1/import: streamed, with a concurrency cap', { timeout: 240_000 }, () => {
  let server: BenchServer;
  beforeAll(async () => {
    server = await startBenchServer(ROOT, { import: { maxConcurrent: 2 } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('four large imports at once: two run, two get 429 with Retry-After, everything acknowledged is stored', async () => {
    const pid = server.child.pid as number;
    const users = ['big-0', 'big-1', 'big-2', 'big-3'];
    const bodies = users.map((user, i) => importBody(user, MEMORIES, 8_000, i + 1));
    const baseline = residentMb(pid).rss;
    const sampler = sampleRss(pid);

    const held = bodies.slice(0, 2).map((body) => sendImport(server.url, body, { holdAfter: 1 << 20 }));
    await waitFor(async () => (await inFlight(server.url)) === 2, 'two imports in flight');

    const refused = await Promise.all(bodies.slice(2).map((body) => sendImport(server.url, body).reply));
    for (const reply of refused) {
      expect(reply.status).toBe(429);
      expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const { error } = JSON.parse(reply.body) as { error: { code: string; message: string } };
      expect(error.code).toBe('rate_limited');
      expect(error.message).toContain('server.import.maxConcurrent');
    }
    // Refused before anything was read: nothing of theirs is stored.
    expect(await exportedMemories(server.url, 'big-2')).toBe(0);

    for (const each of held) each.release();
    const done = await Promise.all(held.map((each) => each.reply));
    for (const reply of done) {
      expect(reply.status, reply.body).toBe(200);
      expect(JSON.parse(reply.body)).toMatchObject({ imported: MEMORIES, lines: MEMORIES });
    }
    // The slots are free again: the refused two go through now, side by side.
    const retried = await Promise.all(bodies.slice(2).map((body) => sendImport(server.url, body).reply));
    for (const reply of retried) expect(reply.status, reply.body).toBe(200);
    const peak = sampler.stop();

    for (const user of users) expect(await exportedMemories(server.url, user)).toBe(MEMORIES);
    expect(await inFlight(server.url)).toBe(0);
    console.info(
      `import-stream: 4 x ${Math.round((bodies[0]?.length ?? 0) / 1048576)} MB, RSS ${Math.round(baseline)} MB -> peak ${Math.round(peak)} MB`,
    );
  });

  it('answers a bad line near the start while the rest of the body is still held back', async () => {
    const body = importBody('early', MEMORIES, 8_000, 9);
    const lines = body.toString().split('\n');
    lines[2] = `{"kind":"memory","content":"x","extra":${'['.repeat(5_000)}${']'.repeat(5_000)}}`;
    const bad = Buffer.from(lines.join('\n'));
    const request = sendImport(server.url, bad, { holdAfter: 1 << 20 });
    try {
      const reply = await request.reply; // never resolves if the server waits for the whole body
      expect(reply.status).toBe(400);
      expect(reply.body).toContain('Import line 3 nests deeper than');
    } finally {
      request.release();
    }
    expect(await exportedMemories(server.url, 'early')).toBe(0);
    await waitFor(async () => (await inFlight(server.url)) === 0, 'the slot to be free');
  });

  it('refuses a line longer than server.bodyLimitBytes with 413, importing nothing', async () => {
    const line = JSON.stringify({ kind: 'memory', content: 'y'.repeat(1_100_000) });
    const good = importBody('long', 3, 100).toString();
    const reply = await sendImport(server.url, Buffer.from(`${good}${line}\n`)).reply;
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(reply.body).toContain('Import line 4 is longer than 1048576 bytes');
    expect(await exportedMemories(server.url, 'long')).toBe(0);
  });
});
