/**
 * The in-process indexes a SQLite store keeps beside its file, and when they are rebuilt:
 * the vector index (loaded at open, reloaded when another connection committed), the
 * in-process keyword index (built in the background after open, finished by the first
 * keyword search if that comes sooner, kept in sync after each committed write), the FTS
 * vocabulary cache for fuzzy expansion and the common-terms cache. `PRAGMA data_version`
 * tells each cache that another connection wrote to the file.
 */
import type { Cipher } from '../../security/cipher.ts';
import type { Memory } from '../../types.ts';
import type { KeywordIndex } from '../keyword-index/keyword-index.ts';
import { type Precision, VectorIndex } from '../vector-index/vector-index.ts';
import { CommonTerms } from './common-terms.ts';
import { KeywordIndexBuild, keywordTokens } from './keyword-loader.ts';
import { blobToVector } from './row-codec.ts';
import type { SqliteConnection } from './sqlite-connection.ts';

/** Rows the background keyword-index build indexes per event-loop turn (~5 ms). */
const KEYWORD_BUILD_ROWS = 500;

const fieldsOf = (memory: Memory) => ({
  layer: memory.layer,
  createdMs: Date.parse(memory.createdAt),
  superseded: memory.supersededBy !== null,
});

export class SqliteIndexes {
  readonly common = new CommonTerms();
  #vectors: VectorIndex | null = null;
  /** PRAGMA data_version when the index was loaded: it changes when ANOTHER connection commits. */
  #vectorsVersion = -1;
  #vocab: Set<string> | null = null;
  #vocabVersion = -1;
  #keywords: KeywordIndex | null = null;
  #keywordsVersion = -1;
  /** The background build filling the keyword index after open, until done or replaced. */
  #build: KeywordIndexBuild | null = null;
  /** Rows written by the open transaction, applied to the keyword index once it commits. */
  #pending: Array<{ memory: Memory; terms: string }> = [];

  constructor(
    private readonly cipher: Cipher | null,
    private readonly precision: Precision,
  ) {}

  // ---- vector index -------------------------------------------------------------------

  loadVectors(c: SqliteConnection, dimensions: number): void {
    const index = new VectorIndex(dimensions, this.precision);
    const rows = c
      .stmt(
        `SELECT m.user_id, m.id, m.layer, m.created_at, m.superseded_by, v.vector
         FROM vectors v JOIN memories m ON m.id = v.memory_id WHERE v.dims = ?`,
      )
      .iterate(dimensions) as Iterable<{
      user_id: string;
      id: string;
      layer: Memory['layer'];
      created_at: string;
      superseded_by: string | null;
      vector: Buffer;
    }>;
    for (const r of rows) {
      index.upsert(r.user_id, r.id, blobToVector(r.vector, this.cipher, r.id), {
        layer: r.layer,
        createdMs: Date.parse(r.created_at),
        superseded: r.superseded_by !== null,
      });
    }
    this.#vectors = index;
    this.#vectorsVersion = c.dataVersion();
  }

  /** The vector index, reloaded first when another process (the CLI beside a server) wrote. */
  currentVectors(c: SqliteConnection, dimensions: number | undefined): VectorIndex | null {
    if (this.#vectors && dimensions !== undefined && c.dataVersion() !== this.#vectorsVersion) {
      this.loadVectors(c, dimensions);
    }
    return this.#vectors;
  }

  /** After a committed write: `undefined` keeps the vector (fields only), `null` removes it. */
  indexMemory(memory: Memory, vector: Float32Array | null | undefined): void {
    const index = this.#vectors;
    if (!index) return;
    if (vector === undefined) index.updateFields(memory.userId, memory.id, fieldsOf(memory));
    else if (vector === null) index.remove(memory.userId, memory.id);
    else index.upsert(memory.userId, memory.id, vector, fieldsOf(memory));
  }

  /** Before re-indexing a restored memory whose previous row was replaced. */
  forgetVector(userId: string, id: string): void {
    this.#vectors?.remove(userId, id);
  }

  // ---- writes -------------------------------------------------------------------------

  /** A row was written inside the open transaction (see `afterCommit`). */
  noteWrite(memory: Memory, terms: string): void {
    this.common.noteWrites(1);
    if (this.#keywords) this.#pending.push({ memory, terms });
    // A rolled-back write may leave extra terms here: harmless, they expand to no match.
    if (this.#vocab && terms) for (const term of terms.split(' ')) this.#vocab.add(term);
  }

  /** Runs a write transaction, then applies its rows to the keyword index (not if it rolled back). */
  afterCommit<T>(transaction: () => T): T {
    this.#pending = [];
    try {
      const out = transaction();
      for (const { memory, terms } of this.#pending) {
        this.#keywords?.upsert(memory.userId, memory.id, keywordTokens(terms), fieldsOf(memory));
      }
      return out;
    } finally {
      this.#pending = [];
    }
  }

  removed(userId: string, ids: string[]): void {
    for (const id of ids) {
      this.#vectors?.remove(userId, id);
      this.#keywords?.remove(userId, id);
    }
    this.common.reset();
  }

  removedUser(userId: string): void {
    this.#vectors?.removeUser(userId);
    this.#keywords?.removeUser(userId);
    this.common.reset();
  }

  // ---- keyword index and vocabulary ---------------------------------------------------

  /**
   * Fills the keyword index after open in steps of KEYWORD_BUILD_ROWS rows, one per
   * event-loop turn (unref'd: it never keeps the process alive), so the first keyword search
   * finds it built instead of building it in one block (~2 s at 100k rows). Writes keep the
   * partial index in sync meanwhile; a search before it is done finishes it synchronously;
   * another connection's commit, rotateKeys or close drop it.
   */
  buildKeywordsInBackground(c: SqliteConnection): void {
    const build = this.#startKeywordBuild(c);
    const step = () => {
      if (this.#build !== build) return;
      if (c.dataVersion() !== this.#keywordsVersion) {
        this.#build = null;
        this.#keywords = null; // rebuilt from the file by the next keyword search
      } else if (build.step(KEYWORD_BUILD_ROWS)) this.#build = null;
      else setImmediate(step).unref();
    };
    setImmediate(step).unref();
  }

  /**
   * The keyword index, complete. Built on first use (commands that never search never pay for
   * it), rebuilt from the stored rows when another process wrote to the file; a build still
   * under way (opened moments ago, or just started here) finishes now.
   */
  readyKeywords(c: SqliteConnection): KeywordIndex {
    if (!this.#keywords || c.dataVersion() !== this.#keywordsVersion) this.#startKeywordBuild(c);
    if (this.#build) {
      this.#build.finish();
      this.#build = null;
    }
    return this.#keywords!;
  }

  /**
   * Distinct FTS terms for fuzzy expansion, cached: fts5vocab computes document counts by
   * walking every doclist, far too slow per query on a large index. Kept current by our own
   * writes; dropped when another connection wrote or the store was reopened.
   */
  vocabulary(c: SqliteConnection, min: number, max: number): string[] {
    if (!this.#vocab || this.#vocabVersion !== c.dataVersion()) {
      const rows = c.stmt('SELECT term FROM memories_vocab').all() as Array<{ term: string }>;
      this.#vocab = new Set(rows.map((r) => r.term));
      this.#vocabVersion = c.dataVersion();
    }
    const out: string[] = [];
    for (const term of this.#vocab) if (term.length >= min && term.length <= max) out.push(term);
    return out;
  }

  /** New key, new blind tokens: the keyword index and vocabulary are rebuilt on next use. */
  dropKeywords(): void {
    this.#build = null;
    this.#keywords = null;
    this.#vocab = null;
    this.common.reset();
  }

  /** Whether the background keyword build is still under way (tests and diagnostics). */
  get buildingKeywords(): boolean {
    return this.#build !== null;
  }

  /** Everything dropped (close, or a full reload). */
  clear(): void {
    this.dropKeywords();
    this.#vectors = null;
  }

  #startKeywordBuild(c: SqliteConnection): KeywordIndexBuild {
    const build = new KeywordIndexBuild(c, this.cipher);
    this.#build = build;
    this.#keywords = build.index;
    this.#keywordsVersion = c.dataVersion();
    return build;
  }
}
