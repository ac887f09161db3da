/**
 * Focused measurement of the in-process keyword index's background build (keywordIndex
 * 'memory') against writes made while it runs: the situation bench/search.ts creates when
 * it opens an empty store and fills it with addMany batches. The SQLite store is driven
 * directly (no embedder, no vectors) so the time is the keyword index's alone. Two cases:
 *
 *   fill:   open an empty store, insert --rows rows in batches of 1000 with an event-loop
 *           turn between batches (addMany awaits its embedder there), then search.
 *   reopen: seed --rows rows, reopen (the build starts over the whole file), update and
 *           insert --writes rows while the build runs, then search.
 *
 * Reports the first keyword search (which finishes a build still running) and p50/p95/max
 * of --ops searches after it, plus the time spent inside the build's steps.
 *
 *   npx tsx bench/keyword-build.ts [--rows 100000] [--ops 150] [--writes 5000] [--case fill,reopen]
 *
 * Prints one JSON line per case. The CPU is shared: compare numbers from the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { newMemory } from '../src/records.ts';
import { KeywordIndexBuild } from '../src/stores/sqlite/keyword-loader.ts';
import { SqliteStore } from '../src/stores/sqlite/sqlite-store.ts';
import { parseKeywordQuery } from '../src/text/query-parser.ts';
import type { Memory } from '../src/types.ts';
import { round, timeOps } from './stats.ts';
import { sentenceGenerator } from './synthetic.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    ops: { type: 'string', default: '150' },
    writes: { type: 'string', default: '5000' },
    case: { type: 'string', default: 'fill,reopen' },
  },
});
const rows = Number(values.rows);
const ops = Number(values.ops);
const writes = Number(values.writes);
const USER = 'bench-user';
const MODEL = { id: 'bench-model', dimensions: 8 };
const BATCH = 1000;

// Time spent inside build steps (background turns and the search that finishes it).
let buildMs = 0;
const step = KeywordIndexBuild.prototype.step;
KeywordIndexBuild.prototype.step = function timed(this: KeywordIndexBuild, n?: number): boolean {
  const t0 = performance.now();
  try {
    return step.call(this, n);
  } finally {
    buildMs += performance.now() - t0;
  }
};

const turn = () => new Promise((resolve) => setImmediate(resolve));
const gen = sentenceGenerator(7);
let minute = 0;

function row(content = `User: ${gen.next()}`): Memory {
  const createdAt = new Date(Date.UTC(2026, 0, 1) + minute++ * 60_000).toISOString();
  return newMemory({ userId: USER, layer: 'episodic', content, createdAt }, createdAt, null);
}

async function fill(store: SqliteStore, n: number, out: Memory[] = []): Promise<Memory[]> {
  for (let done = 0; done < n; done += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, n - done) }, () => row());
    await store.insert(batch.map((memory) => ({ memory, vector: null })));
    out.push(...batch);
    await turn();
  }
  return out;
}

async function searches(store: SqliteStore): Promise<Record<string, unknown>> {
  const query = () => parseKeywordQuery(gen.next());
  const t0 = performance.now();
  await store.keywordSearch({ userId: USER }, query(), 10);
  const firstMs = performance.now() - t0;
  const stats = await timeOps(ops, () => store.keywordSearch({ userId: USER }, query(), 10));
  return { firstSearchMs: round(firstMs), p50: stats.p50, p95: stats.p95, max: stats.max };
}

async function run(kind: string): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-bench-kwbuild-'));
  const path = join(dir, 'bench.db');
  const opened = async () => {
    const store = new SqliteStore({ path, keywordIndex: 'memory' });
    await store.open({ model: MODEL });
    return store;
  };
  try {
    let store: SqliteStore;
    const t0 = performance.now();
    if (kind === 'fill') {
      store = await opened();
      buildMs = 0;
      await fill(store, rows);
    } else {
      const seeded = await opened();
      const docs = await fill(seeded, rows);
      await seeded.close();
      store = await opened();
      buildMs = 0;
      // updates of rows the cursor has not reached yet, then new rows, a batch per turn
      for (let done = 0; done < writes; done += BATCH) {
        const changed = docs.slice(rows - writes + done, rows - writes + Math.min(done + BATCH, writes));
        await store.update(
          changed.map((m) => ({
            memory: { ...m, content: `User: ${gen.next()}`, version: m.version + 1 },
            op: 'update' as const,
          })),
        );
        await turn();
      }
      await fill(store, writes);
    }
    const writeMs = performance.now() - t0;
    const buildBefore = buildMs;
    const result = await searches(store);
    const out = {
      case: kind,
      rows,
      writeMs: round(writeMs),
      buildMsDuringWrites: round(buildBefore),
      buildMsInFirstSearch: round(buildMs - buildBefore),
      ...result,
    };
    await store.close();
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of values.case.split(',')) console.log(JSON.stringify(await run(kind)));
