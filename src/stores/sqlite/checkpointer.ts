/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the
 * commit that crosses the threshold (1,000 pages): on the observe bench that is one turn in
 * eleven taking ~10 ms instead of ~1 ms, which alone set observe's p95. Once a store has
 * written a while, a worker thread with its own connection to the same file runs
 * `PRAGMA wal_checkpoint(PASSIVE)` after commits instead (a passive checkpoint never blocks
 * the writer or readers), at most one at a time, and the store's own automatic
 * checkpoint is raised to a backstop that only acts if the worker falls far behind or
 * dies. Short-lived processes (a CLI command) never start it: the first writes use the
 * normal automatic checkpoint. A worker idle for IDLE_MS (no commit to checkpoint) exits,
 * since its thread holds a V8 isolate and a connection (~17 MB resident) for nothing, and the
 * store checkpoints itself until writes pick up again and a new one starts.
 *
 * The worker is plain CommonJS evaluated from a string, so it runs the same from sources,
 * the bundle and an installed package; it loads the very better-sqlite3 this module uses.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Write transactions before the worker starts (a CLI command commits a handful). */
export const START_AFTER_WRITES = 32;
/** The store's own automatic checkpoint while the worker runs (pages; ~40 MB of WAL). */
export const BACKSTOP_PAGES = 10_000;
/** How long the worker waits without a commit before it exits. */
export const IDLE_MS = 10_000;
/** SQLite's default, restored when the worker stops. */
const DEFAULT_PAGES = 1_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  let result = null;
  try {
    result = db.pragma('wal_checkpoint(PASSIVE)')[0] ?? null;
  } catch (error) {
    result = { error: String(error && error.message) };
  }
  parentPort.postMessage(result);
});
`;

export class WalCheckpointer {
  #writes = 0;
  #worker: Worker | null = null;
  #inFlight = false;
  #dirty = false;
  #stopped = false;
  #checkpoints = 0;
  #idle: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly onError: (error: Error) => void = () => {},
    private readonly idleMs: number = IDLE_MS,
  ) {}

  /** Checkpoints run by the worker so far. */
  get checkpoints(): number {
    return this.#checkpoints;
  }

  /** Whether a checkpoint is running or asked for. */
  get busy(): boolean {
    return this.#inFlight || this.#dirty;
  }

  /** Whether the worker is running. */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** Call after each committed write transaction. */
  wrote(): void {
    if (this.#stopped) return;
    if (!this.#worker) {
      this.#writes += 1;
      if (this.#writes >= START_AFTER_WRITES) this.#start();
      return;
    }
    if (this.#inFlight) this.#dirty = true;
    else this.#request();
  }

  #start(): void {
    try {
      const driver = createRequire(import.meta.url).resolve('better-sqlite3');
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path: this.path } });
      worker.unref();
      worker.on('message', (result: { error?: string } | null) => {
        this.#inFlight = false;
        if (result && 'error' in result && result.error) this.onError(new Error(result.error));
        else this.#checkpoints += 1;
        if (this.#dirty) {
          this.#dirty = false;
          this.#request();
        } else this.#waitIdle();
      });
      worker.on('error', (error) => this.#failed(error));
      worker.on('exit', () => {
        if (this.#worker === worker) this.#failed(new Error('the checkpoint worker exited'));
      });
      this.#worker = worker;
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
      this.#request();
    } catch (error) {
      this.#failed(error as Error);
    }
  }

  #waitIdle(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#retire(), this.idleMs);
    this.#idle.unref();
  }

  /** Nothing was committed for idleMs: the worker exits; the next writes start a new one. */
  #retire(): void {
    this.#idle = null;
    const worker = this.#worker;
    if (!worker || this.#inFlight || this.#dirty || this.#stopped) return;
    this.#worker = null;
    this.#writes = 0;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
    worker.postMessage('close');
  }

  #request(): void {
    if (!this.#worker) return;
    if (this.#idle) {
      clearTimeout(this.#idle);
      this.#idle = null;
    }
    this.#inFlight = true;
    this.#worker.postMessage('checkpoint');
  }

  /** The worker is gone: the store checkpoints itself again, as SQLite does by default. */
  #failed(error: Error): void {
    this.#worker = null;
    this.#inFlight = false;
    this.#stopped = true;
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_PAGES}`);
    this.onError(error);
  }

  /** Closes the worker's connection (before the store closes its own, the last one). */
  async close(): Promise<void> {
    this.#stopped = true;
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
    const worker = this.#worker;
    this.#worker = null;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('close');
    const timer = setTimeout(() => void worker.terminate(), 2_000);
    await exited;
    clearTimeout(timer);
  }
}
