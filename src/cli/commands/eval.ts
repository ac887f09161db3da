/**
 * `strata eval locomo`: the LLM-free LoCoMo retrieval benchmark of SPEC §9 (eval/locomo/).
 * Prints overall and per-category recall@{1,5,10,20} as JSON with --json (a table
 * otherwise) and a progress bar on stderr; the BM25 baseline runs alongside as a check.
 * Also the answer-in-block metric: the default-budget block a chat would get, scored
 * against the gold answer, next to a dated-BM25 block of the same length.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createMem0Peer, mem0Version } from '../../../bench/peers/mem0/mem0-peer.ts';
import type { AnswerRow } from '../../../eval/locomo/answer.ts';
import { openEvalEngine } from '../../../eval/locomo/engine.ts';
import { type EvaluateReport, evaluateLocomo } from '../../../eval/locomo/evaluate.ts';
import { createEmbedder } from '../../embedders/create-embedder.ts';
import { ValidationError } from '../../errors.ts';
import { type LayerName, LayerSchema } from '../../types.ts';
import { packageRoot } from '../../util/package-root.ts';
import { stderrProgress } from '../output.ts';
import type { CliContext } from '../types.ts';

const REPO_ROOT = packageRoot();
export const DEFAULT_LOCOMO_PATH = resolve(REPO_ROOT, '../shared/data/locomo/locomo-dev.json');

interface LocomoFlags {
  data: string;
  layers?: string;
  k?: string;
  limitConversations?: string;
  method: 'recall' | 'search';
  turnMode: 'pair' | 'single';
  store: 'sqlite' | 'memory' | 'postgres';
  postgresUrl?: string;
  context: boolean;
  ablation?: boolean;
  learn?: boolean;
  learnFeedback?: string;
  baselineOnly?: boolean;
  peer?: string;
}

function parseLayers(value: string | undefined): LayerName[] | undefined {
  if (!value) return undefined;
  return value.split(',').map((name) => LayerSchema.parse(name.trim()));
}

function humanReport(ctx: CliContext, report: EvaluateReport): string {
  const rows: Array<Record<string, unknown>> = [];
  const fmt = (row: Record<string, number | undefined>) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === undefined ? '—' : v.toFixed(1)]));
  const add = (name: string, overall: Record<string, number>) => rows.push({ run: name, ...fmt(overall) });
  add('BM25 reference (SPEC)', report.reference.overall);
  add('BM25 (this harness)', report.bm25.overall);
  if (report.peer) add(`${report.peer.name} ${report.peer.version}`, report.peer.report.overall);
  for (const step of report.ablation ?? []) add(`strata ${step.name}`, step.report.overall);
  if (report.strata && !report.ablation) add('strata', report.strata.overall);
  const lines = [ctx.output.table(rows, ['run', 'R@1', 'R@5', 'R@10', 'R@20'])];
  if (report.strata) {
    const cats = Object.entries(report.strata.byCategory).map(([category, v]) => ({
      category,
      questions: v.questions,
      ...fmt({ ...v.recall, 'BM25 R@10': report.bm25.byCategory[category]?.recall['R@10'] }),
    }));
    lines.push(ctx.output.table(cats, ['category', 'questions', 'R@1', 'R@5', 'R@10', 'R@20', 'BM25 R@10']));
  }
  const answers = report.answerInBlock;
  const answerRows: Array<[string, AnswerRow | undefined, AnswerRow | undefined]> = [
    ['overall', answers.strata, answers.bm25Dated],
    ...Object.keys(answers.bm25Dated.byCategory).map(
      (c): [string, AnswerRow | undefined, AnswerRow | undefined] => [
        c,
        answers.strata?.byCategory[c],
        answers.bm25Dated.byCategory[c],
      ],
    ),
  ];
  lines.push(
    `answer in block (${answers.maxTokens} tokens): % of questions whose block holds every answer word (mean share)`,
    ctx.output.table(
      answerRows.map(([name, strata, bm25]) => ({
        category: name,
        questions: bm25?.questions ?? 0,
        strata: strata ? `${strata.full.toFixed(1)} (${strata.share.toFixed(1)})` : '—',
        'BM25 dated': bm25 ? `${bm25.full.toFixed(1)} (${bm25.share.toFixed(1)})` : '—',
      })),
      ['category', 'questions', 'strata', 'BM25 dated'],
    ),
  );
  if (report.learn) lines.push(learnTable(ctx, report.learn));
  return lines.join('\n');
}

/** --learn: test-half evidence R@10 and answer-in-block per category, per arm. */
function learnTable(ctx: CliContext, learn: NonNullable<EvaluateReport['learn']>): string {
  const arms = [
    ['no feedback', learn.noFeedback],
    ['feedback, learner off', learn.withoutLearning],
    ['feedback + learner', learn.withLearning],
  ] as const;
  const categories = ['overall', ...Object.keys(learn.noFeedback.evidence.byCategory)];
  const rows = categories.map((category) => {
    const row: Record<string, unknown> = { category };
    for (const [name, a] of arms) {
      const r10 =
        category === 'overall' ? a.evidence.overall['R@10'] : a.evidence.byCategory[category]?.recall['R@10'];
      const full = category === 'overall' ? a.answerInBlock.full : a.answerInBlock.byCategory[category]?.full;
      row[name] = `${(r10 ?? 0).toFixed(1)} / ${(full ?? 0).toFixed(1)}`;
    }
    return row;
  });
  return [
    `learning (${learn.split.trainQuestions} questions give feedback, ${learn.split.testQuestions} scored): R@10 / answer in block`,
    ctx.output.table(rows, ['category', ...arms.map(([name]) => name)]),
  ].join('\n');
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
    .option('--no-context', 'send each turn alone, without the message before it as conversation context')
    .option(
      '--store <kind>',
      'sqlite (a fresh temp file per conversation), memory, or postgres (with --postgres-url; its Strata tables are dropped before each conversation)',
      'sqlite',
    )
    .option('--postgres-url <url>', 'with --store postgres: a database Strata may empty (postgres://...)')
    .option('--ablation', 'run the layer ablation: episodic, +semantic, +temporal, +associative, all')
    .option(
      '--learn',
      "simulated feedback: the first half of each conversation's questions rate their block (evidence = useful), the second half is scored with and without the learner",
    )
    .option(
      '--learn-feedback <what>',
      "with --learn: what each feedback question rates: 'recalled' (recall's ranked memories and the block's lines, default) or 'block' (the block's lines only)",
    )
    .option('--baseline-only', 'only the BM25 baseline (checks the metric); with --peer: BM25 and the peer')
    .option('--peer <name>', 'also run a peer (mem0) under the same protocol with the same embedder')
    .action(async (flags: LocomoFlags) => {
      const config = await ctx.loadConfig();
      const layers = parseLayers(flags.layers);
      if (flags.peer && flags.peer !== 'mem0')
        throw new Error(`Unknown peer "${flags.peer}"; the available peer is "mem0".`);
      if (
        flags.learnFeedback !== undefined &&
        flags.learnFeedback !== 'recalled' &&
        flags.learnFeedback !== 'block'
      )
        throw new ValidationError(
          `Unknown --learn-feedback "${flags.learnFeedback}"; use "recalled" or "block".`,
        );
      const scratch = mkdtempSync(join(tmpdir(), 'strata-locomo-peer-'));
      const embedder = flags.peer ? createEmbedder(config) : null;
      const peer = embedder
        ? {
            name: 'mem0',
            version: mem0Version(),
            open: (conv: { id: string }) =>
              createMem0Peer(embedder, scratch, { name: conv.id.replace(/\W/g, '_'), onDisk: false }),
          }
        : undefined;
      const report = await evaluateLocomo({
        data: resolve(flags.data),
        config: { ...config, log: { level: 'error' } },
        open: openEvalEngine,
        method: flags.method === 'search' ? 'search' : 'recall',
        turnMode: flags.turnMode === 'single' ? 'single' : 'pair',
        store: flags.store === 'memory' || flags.store === 'postgres' ? flags.store : 'sqlite',
        ...(flags.postgresUrl ? { postgresUrl: flags.postgresUrl } : {}),
        ...(flags.context === false ? { context: false } : {}),
        ...(layers ? { layers } : {}),
        ...(flags.k ? { depth: Number(flags.k) } : {}),
        ...(flags.limitConversations ? { limitConversations: Number(flags.limitConversations) } : {}),
        ...(flags.ablation ? { ablation: true } : {}),
        ...(flags.learn ? { learn: true } : {}),
        ...(flags.learnFeedback === 'recalled' || flags.learnFeedback === 'block'
          ? { learnFeedback: flags.learnFeedback }
          : {}),
        ...(flags.baselineOnly ? { baselineOnly: true } : {}),
        ...(peer ? { peer } : {}),
        progress: stderrProgress,
      });
      await embedder?.close();
      rmSync(scratch, { recursive: true, force: true });
      ctx.output.result(report, () => humanReport(ctx, report));
    });
}
