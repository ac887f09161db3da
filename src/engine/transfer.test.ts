/**
 * Streaming import and re-embed at more than one batch: counts, idempotence, history kept
 * with its memory across batch boundaries, a bad line at the very end still importing
 * nothing, every kind of input (string, file stream read twice by path, other streams
 * spooled, sealed when encryption is on), and re-embedding that pages through more than one write batch.
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { availableStores, engineConfig, errorOf, tempDir } from '../../test-support/engine/e2e-engine.ts';
import { newMemory } from '../records.ts';
import { InMemoryStore } from '../stores/memory/memory-store.ts';
import { createMemory } from './engine.ts';
import { memoryLine, versionLine } from './ndjson.ts';
import type { StrataMemory } from './strata-memory.ts';
import { IMPORT_BATCH } from './transfer.ts';

const COUNT = IMPORT_BATCH * 2 + 7;

/** COUNT memories of two users; every third has a second version line right after it. */
function ndjson(count = COUNT): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    const at = new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString();
    const base = newMemory(
      {
        id: `m${i}`,
        userId: i % 2 ? 'alice' : 'bob',
        layer: 'semantic',
        content: `fact number ${i} über ☕`,
      },
      at,
      'strata-hash-256@1',
    );
    if (i % 3 !== 0) {
      text +=
        memoryLine(base) + versionLine({ memoryId: base.id, version: 1, op: 'create', at, memory: base });
      continue;
    }
    const next = { ...base, content: `fact number ${i}, revised`, version: 2 };
    text +=
      memoryLine(next) +
      versionLine({ memoryId: base.id, version: 1, op: 'create', at, memory: base }) +
      versionLine({ memoryId: base.id, version: 2, op: 'update', at, memory: next });
  }
  return text;
}

/**
 * Runs `fn` with os.tmpdir() pointing at a private folder (so other test files spooling at
 * the same time cannot interfere) and returns what was left in it afterwards.
 */
async function leftInTmp(fn: () => Promise<void>): Promise<string[]> {
  const saved = process.env.TMPDIR;
  const dir = tempDir('strata-tmp-');
  process.env.TMPDIR = dir.path;
  try {
    expect(tmpdir()).toBe(dir.path);
    await fn();
    return await readdir(dir.path);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    dir.remove();
  }
}

describe.each(availableStores())('streaming import on the %s store', (kind) => {
  let dir: ReturnType<typeof tempDir>;
  let memory: StrataMemory;
  const text = ndjson();

  beforeEach(() => {
    dir = tempDir();
    memory = createMemory(engineConfig(kind, dir.path));
  });
  afterEach(async () => {
    await memory.close();
    dir.remove();
  });

  it('imports more than one batch with counts, history and idempotence', async () => {
    const lines = text.trim().split('\n').length;
    expect(await memory.import(text)).toEqual({ imported: COUNT, unchanged: 0, lines });
    expect((await memory.stats()).memories).toBe(COUNT);
    // Memories at, just before and just after each batch boundary keep their own history.
    for (const i of [0, IMPORT_BATCH - 1, IMPORT_BATCH, IMPORT_BATCH * 2, COUNT - 1]) {
      const user = i % 2 ? 'alice' : 'bob';
      const history = await memory.history(user, `m${i}`);
      expect(history.map((v) => v.version)).toEqual(i % 3 === 0 ? [1, 2] : [1]);
      expect((await memory.get(user, `m${i}`))?.content).toBe(
        i % 3 === 0 ? `fact number ${i}, revised` : `fact number ${i} über ☕`,
      );
    }
    expect(await memory.import(text)).toEqual({ imported: 0, unchanged: COUNT, lines });
    expect((await memory.stats()).memories).toBe(COUNT);
    expect((await memory.stats()).versions).toBe(COUNT + Math.ceil(COUNT / 3));
  });

  it('rejects a bad line after several batches and imports nothing', async () => {
    const lines = text.trim().split('\n');
    const broken = `${text}{"kind":"memory","id":"late"\n`;
    const error = await errorOf(memory.import(broken));
    expect(error.code).toBe('validation_error');
    expect(error.message).toContain(`line ${lines.length + 1}`);
    const duplicate =
      text +
      memoryLine(
        newMemory(
          { id: 'm3', userId: 'bob', layer: 'semantic', content: 'again' },
          '2024-02-01T00:00:00.000Z',
          'x',
        ),
      );
    expect((await errorOf(memory.import(duplicate))).message).toMatch(/already appeared on line \d+/);
    expect((await memory.stats()).memories).toBe(0);
  });

  it('reads a file stream twice by path and spools any other stream to a removed temp file', async () => {
    const file = path.join(dir.path, 'in.ndjson');
    writeFileSync(file, text);
    expect(await memory.import(createReadStream(file))).toMatchObject({ imported: COUNT });
    // Odd chunk sizes split lines and multi-byte characters across chunks.
    const bytes = Buffer.from(text);
    const chunks: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += 777) chunks.push(bytes.subarray(at, at + 777));
    const left = await leftInTmp(async () => {
      expect(await memory.import(Readable.from(chunks))).toMatchObject({ imported: 0, unchanged: COUNT });
    });
    expect(left).toEqual([]);
  });

  it('imports a file whose version lines come before their memory in one batch', async () => {
    const m = newMemory(
      { id: 'x1', userId: 'alice', layer: 'semantic', content: 'tea with lemon' },
      '2024-01-01T00:00:00.000Z',
      'h',
    );
    const shuffled =
      versionLine({ memoryId: 'x1', version: 1, op: 'create', at: m.createdAt, memory: m }) + memoryLine(m);
    expect(await memory.import(shuffled + text)).toMatchObject({ imported: COUNT + 1 });
    expect(await memory.history('alice', 'x1')).toHaveLength(1);
  });
});

describe('streaming import with encryption at rest', () => {
  it('spools a piped stream sealed under a one-time key: no plaintext in the temp copy', async () => {
    const dir = tempDir();
    const key = Buffer.alloc(32, 7).toString('base64');
    const memory = createMemory(engineConfig('sqlite', dir.path, { encryption: { key } }));
    try {
      const text = ndjson(IMPORT_BATCH + 3);
      const half = Math.floor(text.length / 2);
      const copies: Buffer[] = [];
      // Before its last piece, the input reads what the first pass has copied to TMPDIR so far.
      async function* input() {
        yield text.slice(0, half);
        copies.push(...(await spooled(tmpdir(), half)));
        yield text.slice(half);
      }
      const left = await leftInTmp(async () => {
        expect(await memory.import(Readable.from(input()))).toMatchObject({ imported: IMPORT_BATCH + 3 });
      });
      expect(left).toEqual([]);
      expect(copies).toHaveLength(1);
      const copy = copies[0]!.toString('latin1');
      expect(copy.length).toBeGreaterThan(half);
      for (const plain of ['fact number', 'alice', '"kind":"memory"']) expect(copy).not.toContain(plain);
      // The sealed copy reads back whole: the second pass wrote every memory.
      expect((await memory.list({ userId: 'alice', limit: 1000 })).items.length).toBeGreaterThan(0);
      expect((await memory.import(Readable.from([text]))).unchanged).toBe(IMPORT_BATCH + 3);
    } finally {
      await memory.close();
      dir.remove();
    }
  });
});

/** The temp copies under `root` once they hold at least `bytes` (the write stream flushes on its own time). */
async function spooled(root: string, bytes: number): Promise<Buffer[]> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const files: string[] = [];
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true }))
      if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
    const copies = files.map((file) => readFileSync(file));
    if (copies.length > 0 && copies.every((c) => c.length >= bytes)) return copies;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no temp copy of ${bytes} bytes appeared under ${root}`);
}

describe('re-embedding in pages', () => {
  it('re-embeds more memories than one write batch and reports progress to the end', async () => {
    const store = new InMemoryStore();
    const old = createMemory(engineConfig('memory', '.'), { store });
    const count = 1_100;
    await old.import(ndjson(count));
    await old.close();
    const changed = createMemory(
      engineConfig('memory', '.', { embedder: { kind: 'hash', dimensions: 64 } }),
      {
        store,
      },
    );
    const progress: Array<{ done: number; total: number }> = [];
    expect(await changed.reembed((p) => progress.push(p))).toEqual({ reembedded: count });
    expect(progress[0]).toEqual({ done: 0, total: count });
    expect(progress.at(-1)).toEqual({ done: count, total: count });
    expect(progress.length).toBeGreaterThan(2);
    const [hit] = await changed.search({ userId: 'alice', query: 'fact number 1001' });
    expect(hit?.memory.embeddingModel).toBe('strata-hash-64@1');
    expect(await changed.reembed()).toEqual({ reembedded: 0 });
    await changed.close();
  });
});
