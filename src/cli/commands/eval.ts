/**
 * `strata eval locomo`: the LLM-free LoCoMo retrieval benchmark of SPEC §9 (eval/locomo/).
 * Prints overall and per-category recall@{1,5,10,20} as JSON with --json (a table
 * otherwise) and a progress bar on stderr; the BM25 baseline runs alongside as a check.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { type EvaluateReport, evaluateLocomo } from '../../../eval/locomo/evaluate.ts';
import { type LayerName, LayerSchema } from '../../types.ts';
import type { CliContext } from '../types.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEFAULT_LOCOMO_PATH = resolve(REPO_ROOT, '../shared/data/locomo/locomo-dev.json');

interface LocomoFlags {
  data: string;
  layers?: string;
  k?: string;
  limitConversations?: string;
  method: 'recall' | 'search';
  turnMode: 'pair' | 'single';
  store: 'sqlite' | 'memory';
  ablation?: boolean;
  baselineOnly?: boolean;
}

function parseLayers(value: string | undefined): LayerName[] | undefined {
  if (!value) return undefined;
  return value.split(',').map((name) => LayerSchema.parse(name.trim()));
}

function humanReport(ctx: CliContext, report: EvaluateReport): string {
  const rows: Array<Record<string, unknown>> = [];
  const add = (name: string, overall: Record<string, number>) => rows.push({ run: name, ...overall });
  add('BM25 reference (SPEC)', report.reference.overall);
  add('BM25 (this harness)', report.bm25.overall);
  for (const step of report.ablation ?? []) add(`strata ${step.name}`, step.report.overall);
  if (report.strata && !report.ablation) add('strata', report.strata.overall);
  const lines = [ctx.output.table(rows, ['run', 'R@1', 'R@5', 'R@10', 'R@20'])];
  if (report.strata) {
    const cats = Object.entries(report.strata.byCategory).map(([category, v]) => ({
      category,
      questions: v.questions,
      ...v.recall,
      'BM25 R@10': report.bm25.byCategory[category]?.recall['R@10'],
    }));
    lines.push(ctx.output.table(cats, ['category', 'questions', 'R@1', 'R@5', 'R@10', 'R@20', 'BM25 R@10']));
  }
  return lines.join('\n');
}

export function register(program: Command, ctx: CliContext): void {
  const evalCmd = program.command('eval').description('Retrieval-quality benchmarks (LLM-free)');
  evalCmd
    .command('locomo')
    .description('LoCoMo recall@{1,5,10,20}: every turn through observeTurn, every question through recall')
    .option('--data <file>', 'LoCoMo JSON (locomo10.json shape)', DEFAULT_LOCOMO_PATH)
    .option('--layers <list>', 'comma-separated layers to enable (default: all configured)')
    .option('--k <n>', 'memories requested per question (default 50)')
    .option('--limit-conversations <n>', 'only the first N conversations')
    .option('--method <method>', 'recall (product path) or search', 'recall')
    .option(
      '--turn-mode <mode>',
      'pair: speaker A+B as one user/assistant turn; single: one per message',
      'pair',
    )
    .option('--store <kind>', 'sqlite (a fresh temp file per conversation) or memory', 'sqlite')
    .option('--ablation', 'run the layer ablation: episodic, +semantic, +temporal, +associative, all')
    .option('--baseline-only', 'only the BM25 baseline (checks the metric)')
    .action(async (flags: LocomoFlags) => {
      const config = await ctx.loadConfig();
      const layers = parseLayers(flags.layers);
      const report = await evaluateLocomo({
        data: resolve(flags.data),
        config: { ...config, log: { level: 'error' } },
        open: async (conf) => {
          const memory = await ctx.openMemory(conf);
          await memory.ready();
          return memory;
        },
        method: flags.method === 'search' ? 'search' : 'recall',
        turnMode: flags.turnMode === 'single' ? 'single' : 'pair',
        store: flags.store === 'memory' ? 'memory' : 'sqlite',
        ...(layers ? { layers } : {}),
        ...(flags.k ? { depth: Number(flags.k) } : {}),
        ...(flags.limitConversations ? { limitConversations: Number(flags.limitConversations) } : {}),
        ...(flags.ablation ? { ablation: true } : {}),
        ...(flags.baselineOnly ? { baselineOnly: true } : {}),
        progress: (total, label) => ctx.output.progress(total, label),
      });
      ctx.output.result(report, () => humanReport(ctx, report));
    });
}
