/**
 * `strata bench`: latency, memory and throughput of the embedded default (bench/), with
 * --quick (under a minute) and full (adds 100k memories) modes, --million (a 1M store in
 * a child process), --json for one JSON object, and in human mode a table plus an SVG chart written to docs/.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { benchExtras } from '../../../bench/extras.ts';
import { renderBenchHuman, writeBenchChart } from '../../../bench/report.ts';
import { runBench } from '../../../bench/run-bench.ts';
import { packageRoot } from '../../util/package-root.ts';
import type { CliContext } from '../types.ts';

const REPO_ROOT = packageRoot();

interface BenchFlags {
  quick?: boolean;
  store: 'sqlite' | 'memory' | 'postgres';
  postgresUrl?: string;
  peer?: string;
  http?: boolean;
  million?: boolean;
  chart?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('bench')
    .description('Latency, memory and throughput benchmark with SPEC §8 targets (throwaway store)')
    .option('--quick', 'small sizes (1k, 10k), under a minute')
    .option(
      '--store <kind>',
      'sqlite (default, a temp file), memory, or postgres (with --postgres-url; its Strata tables are dropped before and after)',
      'sqlite',
    )
    .option('--postgres-url <url>', 'with --store postgres: a database the bench may empty (postgres://...)')
    .option('--peer <name>', 'also run a peer side by side on the same data (mem0)')
    .option('--http', 'also run the concurrent-users HTTP load (loopback)')
    .option(
      '--million',
      'also grow a store to 1M memories in a child process (ingest, RSS, heavy-user search; minutes)',
    )
    .option(
      '--chart <file>',
      'where the human mode writes the SVG chart',
      resolve(REPO_ROOT, 'docs/bench-latency.svg'),
    )
    .action(async (flags: BenchFlags) => {
      const config = await ctx.loadConfig();
      const report = await runBench({
        quick: Boolean(flags.quick),
        store: flags.store === 'memory' || flags.store === 'postgres' ? flags.store : 'sqlite',
        ...(flags.postgresUrl ? { postgresUrl: flags.postgresUrl } : {}),
        config,
        open: (conf) => ctx.openMemory(conf),
        log: (message) => ctx.output.info(message),
        progress: (total, label) => ctx.output.progress(total, label),
        million: Boolean(flags.million),
        extras: benchExtras({
          quick: Boolean(flags.quick),
          peer: flags.peer,
          http: Boolean(flags.http),
          config,
        }),
      });
      const chart =
        flags.chart ??
        resolve(REPO_ROOT, flags.quick ? 'docs/bench-latency-quick.svg' : 'docs/bench-latency.svg');
      ctx.output.result(report, () => {
        mkdirSync(dirname(chart), { recursive: true });
        writeBenchChart(report, chart);
        return `${renderBenchHuman(report, ctx.output.table)}\nchart: ${chart}`;
      });
    });
}
