/**
 * The CLI command contract: each command lives in its own file under cli/commands/ and
 * exports `register(program, ctx)`; cli/main.ts lists them. Commands get the engine
 * through ctx.openMemory() (config from --config/--data-dir/env) and print through
 * ctx.output so `--json` and human tables behave the same everywhere.
 */
import type { Command } from 'commander';
import type { StrataConfig } from '../config/schema.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';

export interface CliOutput {
  /** Machine output when --json, otherwise `human()` is printed. */
  result(value: unknown, human: () => string): void;
  /** Render rows as a table (human mode). */
  table(rows: Array<Record<string, unknown>>, columns: string[]): string;
  info(message: string): void;
  /** A progress bar on stderr (no-op when stderr is not a TTY or with --json). */
  progress(total: number, label: string): { tick(n?: number): void; stop(): void };
}

export interface CliContext {
  /** Loads config from the global options (--config, --data-dir) and STRATA_* env. */
  loadConfig(): Promise<StrataConfig>;
  /**
   * Opens the engine with the loaded config; the command must close it. `at` (an ISO-8601
   * instant, a command's `--at`) is the engine's "now": write times, version times, relative
   * time expressions ("last week"), recency and decay are computed as of then.
   */
  openMemory(overrides?: Partial<StrataConfig>, options?: OpenOptions): Promise<StrataMemory>;
  output: CliOutput;
  readonly json: boolean;
}

export interface OpenOptions {
  at?: string | undefined;
  /** The command only reads: refuse a data dir that holds no store instead of creating one. */
  readOnly?: boolean;
}

export type RegisterCommand = (program: Command, ctx: CliContext) => void;
