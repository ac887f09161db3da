/**
 * sqlite-vec (npm `sqlite-vec`, a development dependency) as a standing peer: exact
 * brute-force KNN in a `vec0` table over the very vectors Strata stored, read back from
 * Strata's SQLite file, so both answer the same nearest-neighbour question over the same
 * numbers, and answers with the memories' ids and text. Each side embeds its query text with the same kind of embedder, so the times
 * compare query to answer. The peer's answer is exact (cosine over float32), which makes it
 * the reference for Strata's recall@10 too (its index scans int8 codes and re-scores).
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StrataConfig } from '../../src/config/schema.ts';
import { createEmbedder } from '../../src/embedders/create-embedder.ts';
import type { Embedder } from '../../src/embedders/types.ts';
import type { StrataMemory } from '../../src/engine/strata-memory.ts';
import { PEER_QUESTIONS } from '../peer-latency.ts';
import { type LatencyStats, round, timeOps } from '../stats.ts';
import { sentenceGenerator } from '../synthetic.ts';

export interface VecPeerSide {
  /** Strata `search` in vector mode and sqlite-vec KNN, query text to top-k ids. */
  strata: LatencyStats;
  peer: LatencyStats;
  /** peer / strata (above 1: Strata is faster). */
  ratioP50: number;
  ratioP95: number;
  /** Share of sqlite-vec's exact top-k that Strata's vector search also returned. */
  recallAtK: number;
}

export interface VecPeerReport extends VecPeerSide {
  peer: LatencyStats;
  version: string;
  vectors: number;
  dims: number;
  k: number;
  queries: number;
  loadMs: number;
}

/** Loads the extension into `db`; throws a plain message when sqlite-vec is not installed. */
export function loadSqliteVec(db: Database.Database): string {
  let vec: { load(db: Database.Database): void };
  try {
    vec = createRequire(import.meta.url)('sqlite-vec') as typeof vec;
  } catch {
    throw new Error('sqlite-vec is not installed (npm install --save-dev sqlite-vec)');
  }
  vec.load(db);
  return (db.prepare('SELECT vec_version() AS v').get() as { v: string }).v;
}

/**
 * Times Strata's vector search for `userId` against sqlite-vec over the same user's stored
 * vectors (read from `dbPath`, Strata's SQLite file, which must not be encrypted).
 */
export async function runSqliteVecPeer(options: {
  memory: StrataMemory;
  embedder: Embedder;
  dbPath: string;
  userId: string;
  queries: string[];
  k?: number;
}): Promise<VecPeerReport> {
  const k = options.k ?? 10;
  const t0 = performance.now();
  const source = new Database(options.dbPath, { readonly: true, fileMustExist: true });
  const peer = new Database(':memory:');
  try {
    const version = loadSqliteVec(peer);
    const rows = source
      .prepare(
        `SELECT m.id AS id, m.content AS content, v.dims AS dims, v.vector AS vector FROM vectors v
         JOIN memories m ON m.id = v.memory_id
         WHERE m.user_id = ? AND m.superseded_by IS NULL`,
      )
      .iterate(options.userId) as IterableIterator<{
      id: string;
      content: unknown;
      dims: number;
      vector: Buffer;
    }>;
    const ids: string[] = [];
    let dims = 0;
    let insert: Database.Statement | undefined;
    peer.exec('CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, content ANY) STRICT');
    const insertDoc = peer.prepare('INSERT INTO docs(rowid, id, content) VALUES (?, ?, ?)');
    peer.exec('BEGIN');
    for (const row of rows) {
      if (!insert) {
        dims = row.dims;
        peer.exec(`CREATE VIRTUAL TABLE knn USING vec0(embedding float[${dims}] distance_metric=cosine)`);
        insert = peer.prepare('INSERT INTO knn(rowid, embedding) VALUES (?, ?)');
      }
      if (row.vector.byteLength !== dims * 4) {
        throw new Error('the stored vectors are not plain float32 (is encryption on?)');
      }
      ids.push(row.id);
      insert.run(BigInt(ids.length), row.vector);
      insertDoc.run(ids.length, row.id, row.content);
    }
    peer.exec('COMMIT');
    if (ids.length === 0) throw new Error(`no vectors stored for ${options.userId}`);
    const loadMs = round(performance.now() - t0, 0);
    // Like a memory layer's answer: the nearest memories with their text, not bare row ids.
    const knn = peer.prepare(
      `SELECT d.id AS id, d.content AS content, n.distance AS distance
       FROM (SELECT rowid, distance FROM knn WHERE embedding MATCH ? AND k = ?) n
       JOIN docs d ON d.rowid = n.rowid ORDER BY n.distance`,
    );
    const exact: string[][] = [];
    const peerStats = await timeOps(options.queries.length, async (i) => {
      const vector = await options.embedder.embed(options.queries[i]!);
      const hits = knn.all(Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength), k) as Array<{
        id: string;
      }>;
      exact[i] = hits.map((h) => h.id);
    });
    const found: string[][] = [];
    const strata = await timeOps(options.queries.length, async (i) => {
      const hits = await options.memory.search({
        userId: options.userId,
        query: options.queries[i]!,
        k,
        mode: 'vector',
      });
      found[i] = hits.map((h) => h.memory.id);
    });
    let agree = 0;
    let total = 0;
    exact.forEach((want, i) => {
      const got = new Set(found[i]);
      total += want.length;
      agree += want.filter((id) => got.has(id)).length;
    });
    const ratio = (a: number, b: number) => round(a / Math.max(b, 1e-6), 1);
    return {
      version,
      vectors: ids.length,
      dims,
      k,
      queries: options.queries.length,
      loadMs,
      strata,
      peer: peerStats,
      ratioP50: ratio(peerStats.p50, strata.p50),
      ratioP95: ratio(peerStats.p95, strata.p95),
      recallAtK: round(agree / Math.max(1, total), 4),
    };
  } finally {
    peer.close();
    source.close();
  }
}

/**
 * The standing peer run of `strata bench`: for each size, a fresh Strata SQLite store with
 * one user holding that many memories, then {@link runSqliteVecPeer} over them.
 */
export async function runSqliteVecSizes(
  config: StrataConfig,
  open: (config: StrataConfig) => Promise<StrataMemory>,
  scratch: string,
  sizes: number[],
  queries: number,
): Promise<Array<VecPeerReport & { memories: number }>> {
  const gen = sentenceGenerator(4242);
  const embedder = createEmbedder(config);
  await embedder.ready();
  const reports: Array<VecPeerReport & { memories: number }> = [];
  try {
    for (const size of sizes) {
      const dbPath = join(scratch, `peer-vec-${size}.db`);
      const memory = await open(plainSqliteConfig(config, dbPath));
      try {
        await memory.ready();
        for (let done = 0; done < size; done += 1_000) {
          const n = Math.min(1_000, size - done);
          await memory.addMany(
            Array.from({ length: n }, () => ({
              userId: 'vec-peer-user',
              layer: 'episodic' as const,
              content: gen.next(),
            })),
          );
        }
        const texts = Array.from(
          { length: queries },
          (_, i) => `${PEER_QUESTIONS[i % PEER_QUESTIONS.length]} ${gen.next().slice(0, 30)}`,
        );
        const report = await runSqliteVecPeer({
          memory,
          embedder,
          dbPath,
          userId: 'vec-peer-user',
          queries: texts,
        });
        reports.push({ memories: size, ...report });
      } finally {
        await memory.close();
      }
    }
  } finally {
    await embedder.close();
  }
  return reports;
}

/**
 * `config` with a plaintext SQLite store at `path` (the configured SQLite settings kept,
 * int8 vectors otherwise): the peers read the stored float32 vectors straight from the file.
 */
export function plainSqliteConfig(config: StrataConfig, path: string): StrataConfig {
  return {
    ...config,
    store: {
      ...(config.store.kind === 'sqlite' ? config.store : { vectorPrecision: 'int8', busyTimeoutMs: 5_000 }),
      kind: 'sqlite',
      path,
    },
    encryption: { previousKeys: [] },
  };
}
