/**
 * Human output of `strata bench`: the latency table per memory count, the other
 * measurements as key/value rows, the SPEC §8 targets and the per-turn goals with
 * pass/fail, and the SVG chart
 * of latency vs memory count written to docs/.
 */
import { writeFileSync } from 'node:fs';
import type { BenchReport } from './run-bench.ts';
import { renderLineChart } from './svg-chart.ts';

type Table = (rows: Array<Record<string, unknown>>, columns: string[]) => string;

export function renderBenchHuman(report: BenchReport, table: Table): string {
  const rows = report.sizes.flatMap((s) =>
    (['store', 'observe', 'search', 'searchHeavy', 'recall'] as const).map((op) => ({
      memories: s.memories,
      op,
      p50: s[op].p50.toFixed(2),
      p95: s[op].p95.toFixed(2),
      p99: s[op].p99.toFixed(2),
      n: s[op].n,
    })),
  );
  const e = report.embedding;
  const facts = [
    {
      measure: 'machine',
      value: `${report.machine.cpus} cpu ${report.machine.cpuModel}, node ${report.machine.node}${report.machine.nodeFlags.length ? ` ${report.machine.nodeFlags.join(' ')}` : ''}`,
    },
    { measure: 'store / embedder', value: `${report.config.store} / ${report.modelLoad.model}` },
    { measure: 'model load (cold)', value: `${report.modelLoad.loadMs} ms` },
    { measure: 'engine open', value: `${report.engineOpenMs} ms` },
    {
      measure: 'RSS / heap after load',
      value: `${report.memoryAfterLoad.rssMb} / ${report.memoryAfterLoad.heapUsedMb} MB`,
    },
    {
      measure: `RSS / heap after ${report.growth.to}`,
      value: `${report.memoryAfterLargest.rssMb} / ${report.memoryAfterLargest.heapUsedMb} MB`,
    },
    {
      measure: 'embed single / concurrent / embedMany',
      value: `${e.singlePerSec} / ${e.concurrentPerSec} / ${e.embedManyPerSec} per s`,
    },
    { measure: 'batch speedup (concurrent, embedMany)', value: `${e.batchSpeedup}x, ${e.embedManySpeedup}x` },
    ...(e.byEmbedder ?? []).map((row) => ({
      measure: `embed ${'error' in row ? row.kind : row.provider}`,
      value:
        'error' in row
          ? `not measured: ${row.error}`
          : `${row.singlePerSec} / ${row.concurrentPerSec} / ${row.embedManyPerSec} per s, ${row.batchSpeedup}x${row.batchSpeedup >= 5 ? ' (>= 5x)' : ' (< 5x)'}`,
    })),
    {
      measure: 'cache miss / hit per text',
      value: `${e.cache.missMsPerText} / ${e.cache.hitMsPerText} ms (${e.cache.speedup}x)`,
    },
    {
      measure: `growth ${report.growth.from} → ${report.growth.to} (p50 ratio)`,
      value: `store ${report.growth.storeP50}x, search ${report.growth.searchP50}x (heavy user ${report.growth.searchHeavyP50}x), recall ${report.growth.recallP50}x`,
    },
    {
      measure: `soak ${report.soak.ops} ops`,
      value: `heap ${report.soak.heapGrowthMbPer10k} MB/10k ops, RSS ${report.soak.rssGrowthMbPer10k} MB/10k ops (${report.soak.memoriesAdded} memories added)`,
    },
  ];
  if ('error' in report.sqliteVec) facts.push({ measure: 'sqlite-vec', value: report.sqliteVec.error });
  else
    for (const row of report.sqliteVec)
      facts.push({
        measure: `vector top-10 at ${row.memories}, strata / sqlite-vec ${row.version}`,
        value: `p50 ${row.strata.p50} / ${row.peer.p50} ms (${row.ratioP50}x), p95 ${row.strata.p95} / ${row.peer.p95} ms (${row.ratioP95}x), recall@10 vs exact ${row.recallAtK}`,
      });
  if (report.million) facts.push({ measure: '1M memories', value: JSON.stringify(report.million) });
  for (const [name, value] of Object.entries(report.extras))
    facts.push({ measure: name, value: JSON.stringify(value) });
  const shown = (rows: BenchReport['targets']) =>
    rows.map((t) => ({ ...t, measured: t.measured === null ? '—' : String(t.measured) }));
  return [
    table(rows, ['memories', 'op', 'p50', 'p95', 'p99', 'n']),
    table(facts, ['measure', 'value']),
    table(shown(report.targets), ['metric', 'target', 'measured', 'unit', 'status']),
    table(shown(report.goals), ['metric', 'target', 'measured', 'unit', 'status']),
  ].join('\n');
}

export function benchChartSvg(report: BenchReport): string {
  const series = (['store', 'observe', 'search', 'recall'] as const).map((op) => ({
    name: `${op} p50`,
    points: report.sizes.map((s) => ({ x: s.memories, y: s[op].p50 })),
  }));
  series.push({ name: 'search p95', points: report.sizes.map((s) => ({ x: s.memories, y: s.search.p95 })) });
  series.push({
    name: 'heavy-user search p95',
    points: report.sizes.map((s) => ({ x: s.memories, y: s.searchHeavy.p95 })),
  });
  return renderLineChart(series, {
    title: `Strata latency vs memory count (${report.config.store}, ${report.modelLoad.model})`,
    xLabel: 'memories in store (log scale)',
    yLabel: 'latency (ms)',
  });
}

export function writeBenchChart(report: BenchReport, path: string): void {
  writeFileSync(path, benchChartSvg(report));
}
