/**
 * The `strata` command line: global options (--json, --data-dir, --config, --log-level,
 * --debug), the command list, and one place that turns errors into exit codes. Command
 * modules are loaded lazily, only the one being run, so `strata add` does not pay for the
 * HTTP server or benchmark imports. MemoryErrors print their message (no stack unless
 * --debug) and exit with the code from EXIT_CODES; usage errors exit 2.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { loadConfig } from '../config/load.ts';
import type { StrataConfig } from '../config/schema.ts';
import type { StrataMemory } from '../engine/strata-memory.ts';
import { ConfigError, MemoryError, toMemoryError } from '../errors.ts';
import { clockFrom } from '../util/clock.ts';
import { createLogger } from '../util/logger.ts';
import { packagePath } from '../util/package-root.ts';
import { EXIT_CODES } from './exit-codes.ts';
import { createOutput } from './output.ts';
import type { CliContext, OpenOptions, RegisterCommand } from './types.ts';

type CommandModule = { register: RegisterCommand };

/** Every command: its name and its module. To add one: one entry here, nothing else. */
export const COMMANDS: Array<[name: string, load: () => Promise<CommandModule>]> = [
  ['add', () => import('./commands/add.ts')],
  ['search', () => import('./commands/search.ts')],
  ['list', () => import('./commands/list.ts')],
  ['get', () => import('./commands/get.ts')],
  ['update', () => import('./commands/update.ts')],
  ['delete', () => import('./commands/delete.ts')],
  ['history', () => import('./commands/history.ts')],
  ['rollback', () => import('./commands/rollback.ts')],
  ['export', () => import('./commands/export.ts')],
  ['import', () => import('./commands/import.ts')],
  ['stats', () => import('./commands/stats.ts')],
  ['reembed', () => import('./commands/reembed.ts')],
  ['delete-user', () => import('./commands/delete-user.ts')],
  ['eval', () => import('./commands/eval.ts')],
  ['serve', () => import('./commands/serve.ts')],
  ['mcp', () => import('./commands/mcp.ts')],
  ['backup', () => import('./commands/backup.ts')],
  ['restore', () => import('./commands/restore.ts')],
  ['bench', () => import('./commands/bench.ts')],
  ['observe', () => import('./commands/observe.ts')],
  ['recall', () => import('./commands/recall.ts')],
  ['explain', () => import('./commands/explain.ts')],
  ['consolidate', () => import('./commands/consolidate.ts')],
  ['emotions', () => import('./commands/emotions.ts')],
  ['migrate', () => import('./commands/migrate.ts')],
  ['rotate-keys', () => import('./commands/rotate-keys.ts')],
  ['verify', () => import('./commands/verify.ts')],
  ['sync', () => import('./commands/sync.ts')],
];

export { EXIT_CODES };

interface GlobalOptions {
  json?: boolean;
  dataDir?: string;
  config?: string;
  logLevel?: string;
  debug?: boolean;
}

const GLOBAL_WITH_VALUE = new Set(['--data-dir', '--config', '--log-level']);

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const program = new Command('strata')
    .description('Strata: layered long-term memory for LLM chat applications')
    .option('--json', 'machine-readable JSON output')
    .option('--data-dir <dir>', 'data directory (default .strata, or STRATA_DATA_DIR)')
    .option('--config <file>', 'JSON config file (default ./strata.config.json, or STRATA_CONFIG)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (CLI default warn)')
    .option('--debug', 'print stack traces on errors')
    .version(packageVersion(), '-V, --version', 'print the Strata version')
    .showSuggestionAfterError(true)
    .exitOverride();
  const opts = (): GlobalOptions => program.opts<GlobalOptions>();
  const ctx = createContext(opts);

  const name = commandName(argv);
  const entries = COMMANDS.filter(([command]) => name === undefined || command === name);
  for (const [, load] of entries.length > 0 ? entries : COMMANDS) (await load()).register(program, ctx);

  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (error) {
    return handleError(error, opts(), argv);
  }
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

function createContext(opts: () => GlobalOptions): CliContext {
  const output = createOutput(() => opts().json === true);
  const load = async (defaults?: Record<string, unknown>): Promise<StrataConfig> => {
    const { config, dataDir, logLevel } = opts();
    const overrides: Record<string, unknown> = {};
    if (dataDir) overrides.dataDir = dataDir;
    if (logLevel) overrides.log = { level: logLevel };
    return loadConfig(defaults ? { file: config, overrides, defaults } : { file: config, overrides });
  };
  return {
    output,
    get json() {
      return opts().json === true;
    },
    loadConfig: () => load(),
    async openMemory(overrides?: Partial<StrataConfig>, options: OpenOptions = {}): Promise<StrataMemory> {
      // One-shot commands log warnings only, unless the file, STRATA_LOG_LEVEL or --log-level say otherwise.
      const config = mergeConfig(await load({ log: { level: 'warn' } }), overrides ?? {});
      if (options.readOnly) assertStoreExists(config);
      const { createMemory } = await import('../engine/engine.ts');
      const logger = createLogger({ level: config.log.level, fd: 2 });
      return createMemory(config, {
        logger,
        ...(options.at !== undefined && { clock: clockFrom(options.at) }),
      });
    },
  };
}

/** A read-only command on a data dir without a store would create an empty one and report nothing. */
function assertStoreExists(config: StrataConfig): void {
  if (config.store.kind !== 'sqlite') return;
  const path = config.store.path ?? join(config.dataDir, 'strata.db');
  if (existsSync(path)) return;
  throw new ConfigError(
    `No Strata store at ${path}: nothing to read. Point --data-dir (or STRATA_DATA_DIR, store.path) at the directory that holds strata.db, or store memories first.`,
  );
}

function mergeConfig(base: StrataConfig, overrides: Partial<StrataConfig>): StrataConfig {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] =
      isPlainObject(value) && isPlainObject(current) && !('kind' in value) ? { ...current, ...value } : value;
  }
  return merged as StrataConfig;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first argument that is not a global option (or its value): the command to load. */
function commandName(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function handleError(error: unknown, opts: GlobalOptions, argv: string[]): number {
  if (error instanceof CommanderError) {
    if (error.code === 'commander.unknownCommand') {
      process.stderr.write(
        `Valid commands: ${COMMANDS.map(([name]) => name).join(', ')}. See "strata --help".\n`,
      );
    }
    // Commander already printed the usage problem.
    return error.exitCode === 0 ? 0 : 2;
  }
  const memoryError = MemoryError.isInstance(error) ? error : toMemoryError(error);
  const debug = opts.debug === true || argv.includes('--debug');
  if (opts.json) {
    process.stderr.write(`${JSON.stringify({ error: memoryError.toJSON() })}\n`);
  } else {
    process.stderr.write(`strata: ${memoryError.message} [${memoryError.code}]\n`);
  }
  if (debug) process.stderr.write(`${(error instanceof Error && error.stack) || String(error)}\n`);
  return EXIT_CODES[memoryError.code] ?? 1;
}
