import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { engineConfig, readStream, tempDir } from '../../test-support/engine/e2e-engine.ts';
import { type Harness, KEYS, startHarness } from '../../test-support/server/harness.ts';
import { createMemory } from '../engine/engine.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { generateKey } from '../security/cipher.ts';

/**
 * With encryption at rest on, no byte of any file the server and engine write holds the
 * user's words: a marker planted through REST (memory, turn), the Open WebUI outlet (turns
 * stored, queued in the outbox while rate-limited, and dead-lettered over the quota) and a
 * backup is searched for in every file under both data dirs (database, WAL, outbox,
 * outbox/dead, backups), as is a run of the planted memory's stored vector, while the
 * server runs and after it closes. The same run without a
 * key finds the marker in each kind of file, so the scan can fail.
 */

const MARKER = 'Zorblaxianquux';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Files (relative to their data dir) whose bytes contain the marker (any case) or `extra`. */
function hits(dirs: string[], extra: Buffer[] = []): string[] {
  const needles = [...[MARKER, MARKER.toLowerCase()].map((n) => Buffer.from(n, 'utf8')), ...extra];
  return dirs.flatMap((dir) =>
    filesUnder(dir)
      .filter((file) => needles.some((needle) => readFileSync(file).includes(needle)))
      .map((file) => relative(dir, file)),
  );
}

const outlet = (userId: string, i: number) => ({
  user: { id: userId, email: `${userId}@example.com`, name: userId, role: 'user' },
  body: {
    model: 'llama3.1:8b',
    chat_id: `chat-${userId}-${i}`,
    messages: [
      { id: `u-${userId}-${i}`, role: 'user', content: `My friend ${MARKER} moved to town ${i} last year.` },
      { id: `a-${userId}-${i}`, role: 'assistant', content: `Say hello to ${MARKER} in town ${i} for me.` },
    ],
  },
});

async function plantEverywhere(key: string | undefined) {
  const engineDir = tempDir('strata-enc-engine-');
  const encryption = key ? { encryption: { key } } : {};
  const memory: StrataMemory = createMemory(engineConfig('sqlite', engineDir.path, encryption));
  const h: Harness = await startHarness(memory, {
    ...encryption,
    startOutbox: false,
    server: {
      quotas: { maxMemoriesPerUser: 12, maxBytesPerUser: 1_000_000 },
      rateLimit: { perKeyPerMinute: 4, perUserPerMinute: 300 },
    },
  });
  cleanup.push(
    () => engineDir.remove(),
    () => memory.close(),
    () => h.close(),
  );
  // REST, through alice's key.
  const added = await h.call('POST', '/v1/memories', {
    key: KEYS.alice,
    json: { content: `${MARKER} is my climbing partner`, metadata: { note: `met ${MARKER}` } },
  });
  expect(added.status).toBe(201);
  const turn = await h.call('POST', '/v1/turns', {
    key: KEYS.alice,
    json: {
      chatId: 'rest-chat',
      messages: [
        { role: 'user', content: `I went hiking with ${MARKER} on Sunday.` },
        { role: 'assistant', content: `Hiking with ${MARKER} sounds fun.` },
      ],
    },
  });
  expect(turn.status).toBe(200);
  // The outlet through the admin key (4 a minute): carol's first turns are stored until her
  // quota refuses one (dead-lettered), then the key is rate-limited and turns are queued.
  for (let i = 0; i < 6; i++) {
    expect((await h.call('POST', '/strata/filter/outlet', { json: outlet('carol', i) })).status).toBe(200);
  }
  expect(h.server.strata.outbox.depth()).toBe(2);
  const dead = h.server.strata.outbox.deadDepth();
  expect(dead).toBeGreaterThanOrEqual(1);
  mkdirSync(join(h.dataDir, 'backups'), { recursive: true });
  await memory.backup(join(h.dataDir, 'backups', 'manual.db'));
  return { dirs: [engineDir.path, h.dataDir], h, memory, dead, vector: await vectorNeedle(memory) };
}

/**
 * 16 bytes of the stored vector of alice's planted memory (4 floats from its largest one),
 * read back through an export with vectors: a run no file may hold in clear.
 */
async function vectorNeedle(memory: StrataMemory): Promise<Buffer> {
  const lines = (await readStream(memory.export('alice', { includeVectors: true, includeHistory: false })))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { content: string; vector?: string });
  const planted = lines.find((line) => line.content.includes('climbing partner'));
  const bytes = Buffer.from(planted?.vector ?? '', 'base64');
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let top = 0;
  floats.forEach((v, i) => {
    if (Math.abs(v) > Math.abs(floats[top]!)) top = i;
  });
  const start = Math.min(top, floats.length - 4) * 4;
  expect(bytes.length).toBeGreaterThan(16);
  return bytes.subarray(start, start + 16);
}

describe('encryption at rest: a raw-file scan for a planted marker', () => {
  it('finds 0 hits in the database, WAL, outbox, dead letters and backups, open and closed', async () => {
    const { dirs, h, memory, dead, vector } = await plantEverywhere(generateKey());
    const files = dirs.flatMap(filesUnder);
    // The scan covers every kind of file the marker went into.
    expect(files.some((f) => f.endsWith('strata.db'))).toBe(true);
    expect(files.some((f) => f.endsWith('strata.db-wal'))).toBe(true);
    expect(files.filter((f) => /outbox\/[0-9a-f]+\.json$/.test(f))).toHaveLength(2);
    expect(files.filter((f) => /outbox\/dead\/[0-9a-f]+\.json$/.test(f))).toHaveLength(dead);
    expect(files.some((f) => f.endsWith('manual.db'))).toBe(true);
    expect(hits(dirs, [vector])).toEqual([]);
    // The sealed entries still deliver: carol's queued turns are refused (quota) on retry and
    // land in dead letters, still sealed; nothing left in clear after the server closes.
    await h.server.strata.outbox.flush(true);
    expect(h.server.strata.outbox.deadDepth()).toBe(dead + 2);
    expect((await memory.stats('alice')).memories).toBeGreaterThan(1);
    await h.server.close();
    await memory.close();
    expect(hits(dirs, [vector])).toEqual([]);
  });

  it('the same run without a key finds the marker in each kind of file (the scan can fail)', async () => {
    const { dirs, dead, vector } = await plantEverywhere(undefined);
    const found = hits(dirs);
    // The vector is in clear without a key (in the database or its WAL, and the backup).
    expect(
      filesUnder(dirs[0]!).some((f) => /strata\.db(-wal)?$/.test(f) && readFileSync(f).includes(vector)),
    ).toBe(true);
    expect(found.some((f) => /strata\.db(-wal)?$/.test(f))).toBe(true);
    expect(found.filter((f) => /^outbox\/[0-9a-f]+\.json$/.test(f))).toHaveLength(2);
    expect(found.filter((f) => /^outbox\/dead\/[0-9a-f]+\.json$/.test(f))).toHaveLength(dead);
    expect(found.some((f) => f.endsWith('manual.db'))).toBe(true);
  });
});
