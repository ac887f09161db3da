/**
 * What `strata eval locomo` does, independent of commander: load the data, run Strata (one
 * fresh SQLite or in-memory engine per conversation, so conversations never share a
 * store), optionally an ablation over layer sets, and the BM25 baseline, then assemble one
 * JSON report next to the SPEC §9 reference numbers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StrataConfig } from '../../src/config/schema.ts';
import { ValidationError } from '../../src/errors.ts';
import { dropPostgresStore } from '../../src/stores/postgres/index.ts';
import type { LayerName } from '../../src/types.ts';
import type { AnswerInBlockSummary } from './answer.ts';
import { runBm25Baseline, runDatedBm25AnswerBaseline } from './baseline.ts';
import { type LocomoConversation, loadLocomo } from './dataset.ts';
import type { EvalEngine } from './engine.ts';
import { type LearnFeedbackOn, type LearnReport, runLocomoLearn } from './learn.ts';
import type { RecallSummary } from './metric.ts';
import { type PeerRunReport, runLocomoPeer, type TurnStorePeer } from './peer.ts';
import { type LocomoRunReport, runLocomo, type TurnMode } from './run.ts';

/** SPEC §9 reference: BM25 over turns, stop words removed, on locomo-dev.json. */
export const BM25_REFERENCE = {
  overall: { 'R@1': 28.3, 'R@5': 50.5, 'R@10': 56.7, 'R@20': 63.1 },
  byCategoryR10: { 'multi-hop': 24.4, temporal: 69.4, 'open-domain': 28.1, 'single-hop': 66.2 },
} as const;

/** The cumulative layer sets of the ablation the issue asks for. */
export const ABLATION: Array<{ name: string; layers: LayerName[] | null }> = [
  { name: 'episodic', layers: ['episodic'] },
  { name: '+semantic', layers: ['episodic', 'semantic'] },
  { name: '+temporal', layers: ['episodic', 'semantic', 'temporal'] },
  { name: '+associative', layers: ['episodic', 'semantic', 'temporal', 'associative'] },
  { name: 'all', layers: null },
];

export interface EvaluateOptions {
  data: string;
  layers?: LayerName[];
  depth?: number;
  limitConversations?: number;
  method?: 'recall' | 'search';
  turnMode?: TurnMode;
  /** Send the message before each turn along as context (default true; false: the turn only). */
  context?: boolean;
  store?: 'sqlite' | 'memory' | 'postgres';
  /** With store 'postgres': the database; its Strata tables are dropped before each conversation. */
  postgresUrl?: string;
  ablation?: boolean;
  /** Simulated feedback on the first half of each conversation's questions (learn.ts) instead of the plain run. */
  learn?: boolean;
  /** With learn: what a training question rates (learn.ts; default 'recalled'). */
  learnFeedback?: LearnFeedbackOn;
  baselineOnly?: boolean;
  /** A peer to run under the same protocol (opened once per conversation). */
  peer?: { name: string; version: string; open: (conv: LocomoConversation) => Promise<TurnStorePeer> };
  /** Config as loaded from file/env; each conversation gets a copy with its own store. */
  config: StrataConfig;
  open: (config: StrataConfig, conv: LocomoConversation) => Promise<EvalEngine>;
  progress?: (total: number, label: string) => { tick(n?: number): void; stop(): void };
}

export interface EvaluateReport {
  data: string;
  conversations: number;
  questions: number;
  settings: Record<string, unknown>;
  strata?: LocomoRunReport;
  ablation?: Array<{ name: string; layers: string[]; report: LocomoRunReport }>;
  bm25: RecallSummary;
  /**
   * What the model receives: the gold answer's words in the default-budget block, for
   * Strata (also in `strata.answerInBlock`) and for plain BM25 over turns each prefixed with
   * its session date, filled to the same length.
   */
  answerInBlock: { maxTokens: number; strata?: AnswerInBlockSummary; bm25Dated: AnswerInBlockSummary };
  peer?: { name: string; version: string; report: PeerRunReport };
  learn?: LearnReport;
  reference: typeof BM25_REFERENCE;
}

/**
 * The engine config for one conversation: a fresh store under `scratch` (its own SQLite
 * file, or in memory) and the given layers; everything else as configured.
 */
export function conversationConfig(
  config: StrataConfig,
  scratch: string,
  conv: LocomoConversation,
  store: 'sqlite' | 'memory' | 'postgres',
  layers: LayerName[],
  postgresUrl?: string,
): StrataConfig {
  if (store === 'postgres' && !postgresUrl) {
    throw new ValidationError('--store postgres needs --postgres-url postgres://...');
  }
  return {
    ...config,
    dataDir: scratch,
    store:
      store === 'postgres'
        ? { kind: 'postgres', url: postgresUrl!, poolSize: 1, retries: 5 }
        : store === 'memory'
          ? { kind: 'memory' }
          : {
              kind: 'sqlite',
              path: join(scratch, `${conv.id}.db`),
              vectorPrecision: 'float32',
              busyTimeoutMs: 5_000,
              // keep the configured keyword index (STRATA_STORE__KEYWORD_INDEX) comparable
              ...(config.store.kind === 'sqlite' && config.store.keywordIndex
                ? { keywordIndex: config.store.keywordIndex }
                : {}),
            },
    layers: { ...config.layers, enabled: layers },
  };
}

async function runOnce(
  conversations: LocomoConversation[],
  options: EvaluateOptions,
  layers: LayerName[] | null,
  label: string,
): Promise<LocomoRunReport> {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-locomo-'));
  const total = conversations.reduce((acc, c) => acc + c.turns.length + c.questions.length, 0);
  const bar = options.progress?.(total, label);
  let last = 0;
  try {
    const enabled = layers ?? options.config.layers.enabled;
    return await runLocomo(
      conversations,
      async (conv) => {
        const config = conversationConfig(
          options.config,
          scratch,
          conv,
          options.store ?? 'sqlite',
          enabled,
          options.postgresUrl,
        );
        // One database for every conversation: start each from empty tables.
        if (config.store.kind === 'postgres') await dropPostgresStore(config.store.url);
        return options.open(config, conv);
      },
      {
        ...(options.depth ? { depth: options.depth } : {}),
        ...(layers ? { layers } : {}),
        ...(options.method ? { method: options.method } : {}),
        ...(options.turnMode ? { turnMode: options.turnMode } : {}),
        ...(options.context === false ? { context: false } : {}),
        onProgress: (done) => {
          bar?.tick(done - last);
          last = done;
        },
      },
    );
  } finally {
    bar?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function runLearn(conversations: LocomoConversation[], options: EvaluateOptions): Promise<LearnReport> {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-locomo-learn-'));
  const total = conversations.reduce((acc, c) => acc + c.turns.length + c.questions.length, 0);
  const bar = options.progress?.(total, 'locomo --learn');
  let last = 0;
  const enabled = options.layers ?? options.config.layers.enabled;
  // Learning on in the engine; the comparison arm resets what it learned (learn.ts).
  const config = { ...options.config, learning: { ...options.config.learning, enabled: true } };
  try {
    return await runLocomoLearn(
      conversations,
      (conv) =>
        options.open(conversationConfig(config, scratch, conv, options.store ?? 'sqlite', enabled), conv),
      {
        ...(options.depth ? { depth: options.depth } : {}),
        ...(options.turnMode ? { turnMode: options.turnMode } : {}),
        ...(options.context === false ? { context: false } : {}),
        learning: config.learning,
        ...(options.learnFeedback ? { feedbackOn: options.learnFeedback } : {}),
        onProgress: (done) => {
          bar?.tick(done - last);
          last = done;
        },
      },
    );
  } finally {
    bar?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

export async function evaluateLocomo(options: EvaluateOptions): Promise<EvaluateReport> {
  const all = await loadLocomo(options.data);
  const conversations = all.slice(0, options.limitConversations ?? all.length);
  const report: EvaluateReport = {
    data: options.data,
    conversations: conversations.length,
    questions: conversations.reduce((acc, c) => acc + c.questions.length, 0),
    settings: {
      method: options.method ?? 'recall',
      turnMode: options.turnMode ?? 'pair',
      context: options.context ?? true,
      depth: options.depth ?? 50,
      store: options.store ?? 'sqlite',
      embedder: options.config.embedder.kind,
      layers: options.layers ?? options.config.layers.enabled,
      blockTokens: options.config.recall.maxTokens,
    },
    bm25: runBm25Baseline(conversations),
    answerInBlock: {
      maxTokens: options.config.recall.maxTokens,
      bm25Dated: runDatedBm25AnswerBaseline(conversations, options.config.recall.maxTokens),
    },
    reference: BM25_REFERENCE,
  };
  if (options.peer) {
    const total = conversations.reduce((acc, c) => acc + c.turns.length + c.questions.length, 0);
    const bar = options.progress?.(total, options.peer.name);
    let last = 0;
    try {
      const peerReport = await runLocomoPeer(conversations, options.peer.open, {
        ...(options.depth ? { depth: options.depth } : {}),
        onProgress: (done) => {
          bar?.tick(done - last);
          last = done;
        },
      });
      report.peer = { name: options.peer.name, version: options.peer.version, report: peerReport };
    } finally {
      bar?.stop();
    }
  }
  if (options.baselineOnly) return report;
  if (options.learn) {
    report.learn = await runLearn(conversations, options);
    return report;
  }
  if (options.ablation) {
    report.ablation = [];
    for (const step of ABLATION) {
      const result = await runOnce(conversations, options, step.layers, `locomo ${step.name}`);
      report.ablation.push({
        name: step.name,
        layers: step.layers ?? options.config.layers.enabled,
        report: result,
      });
    }
    report.strata = report.ablation.at(-1)!.report;
  } else {
    report.strata = await runOnce(conversations, options, options.layers ?? null, 'locomo');
  }
  if (report.strata) report.answerInBlock.strata = report.strata.answerInBlock;
  return report;
}
