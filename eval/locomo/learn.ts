/**
 * `strata eval locomo --learn`: does feedback, and the learner on top of it, help on
 * questions it never saw? Per conversation (one fresh engine, as in run.ts), the questions
 * with evidence are split per category in their file order: the first half gives simulated
 * feedback, the second half is scored. Fixed split, no randomness:
 *   1. ingest every turn, freeze recall's writes, score the test half: `noFeedback`;
 *   2. for each training question, the default recall a chat would get; the memories it
 *      recalled (`feedbackOn: 'recalled'`, the default: its ranked top k and the block's lines,
 *      as a client rating recall's `memories` does) or only the block's lines ('block', as a
 *      chat's thumbs does) are rated: those whose source turns are evidence useful, the others
 *      not useful (one feedback call each, the question as message id), writes let through;
 *   3. score the test half again: `withLearning` (reinforced memories + learned weights);
 *   4. reset the user's learned weights (the store's `learner` state) and score again:
 *      `withoutLearning`, the same run with the learner off but the same feedback given.
 * Scores are evidence R@10 (deep recall) and answer-in-block (default block), overall and
 * per category, with the same functions as run.ts.
 */

import { ConfigSchema } from '../../src/config/schema.ts';
import { LAYER_SHARES as DEFAULT_SHARES } from '../../src/pipeline/format.ts';
import { layerFeature } from '../../src/pipeline/learned-features.ts';
import type { LearningConfig } from '../../src/pipeline/learner.ts';
import {
  checkSummary,
  countedShares,
  effectiveShares,
  effectiveWeights,
  emptyLearner,
  parseLearner,
} from '../../src/pipeline/learner.ts';
import { LEARNER_KEY } from '../../src/pipeline/learner-store.ts';
import { QUERY_KINDS, type QueryKind } from '../../src/text/query-kind.ts';
import { LAYERS, type LayerName } from '../../src/types.ts';
import { type AnswerInBlockSummary, type AnswerScore, scoreAnswer, summarizeAnswers } from './answer.ts';
import type { LocomoConversation, LocomoQuestion } from './dataset.ts';
import type { EvalEngine } from './engine.ts';
import { expandToTurns, type QuestionScore, type RecallSummary, scoreQuestion, summarize } from './metric.ts';
import { sourcesOf, type TurnMode, toTurnInputs } from './run.ts';

export interface LearnArm {
  evidence: RecallSummary;
  answerInBlock: AnswerInBlockSummary;
}

export interface LearnReport {
  split: {
    rule: string;
    /** What each training question rates: recall's ranked memories and the block's lines, or the block's lines only. */
    feedbackOn: LearnFeedbackOn;
    trainQuestions: number;
    testQuestions: number;
    /** Memories rated, over all training questions. */
    ratedUseful: number;
    ratedNotUseful: number;
  };
  noFeedback: LearnArm;
  withLearning: LearnArm;
  withoutLearning: LearnArm;
  /** Mean learned multiplier per kind of question and layer across conversations (after training, before the check). */
  meanWeights: Partial<Record<QueryKind, Partial<Record<LayerName, number>>>>;
  /** Mean learned weight per ranking signal across conversations (after training, before the check; 0 = default). */
  meanSignalWeights: Record<string, number>;
  /** Mean learned block share per layer across conversations (after training, before the check; the defaults where too few lines). */
  meanShares: Partial<Record<LayerName, number>>;
  /** The bound after training: conversations whose learned weights recall applies, and the check's figures per conversation. */
  check: {
    applied: number;
    conversations: number;
    perConversation: Array<{
      conversation: string;
      messages: number;
      meanGain: number;
      standardError: number;
      applied: boolean;
      /** The learned budget's own check (layer shares against the defaults). */
      budgetMessages: number;
      budgetMeanGain: number;
      budgetStandardError: number;
      budgetApplied: boolean;
    }>;
    /** Conversations whose learned budget recall applies. */
    budgetApplied: number;
  };
}

export type LearnFeedbackOn = 'recalled' | 'block';

export interface LearnOptions {
  /** What a training question rates (default 'recalled'). */
  feedbackOn?: LearnFeedbackOn;
  turnMode?: TurnMode;
  context?: boolean;
  depth?: number;
  /** The engine's learning settings (for reading the check the way recall does). */
  learning?: LearningConfig;
  onProgress?: (done: number, total: number) => void;
}

interface Scored {
  evidence: QuestionScore[];
  answers: AnswerScore[];
}

export async function runLocomoLearn(
  conversations: readonly LocomoConversation[],
  openEngine: (conv: LocomoConversation) => Promise<EvalEngine>,
  options: LearnOptions = {},
): Promise<LearnReport> {
  const depth = options.depth ?? 50;
  const arms = { noFeedback: fresh(), withLearning: fresh(), withoutLearning: fresh() };
  const split = { trainQuestions: 0, testQuestions: 0, ratedUseful: 0, ratedNotUseful: 0 };
  const weightSums: Partial<Record<QueryKind, Partial<Record<LayerName, number>>>> = {};
  const signalSums: Record<string, number> = {};
  const perConversation: LearnReport['check']['perConversation'] = [];
  const shareSums: Partial<Record<LayerName, number>> = {};
  const feedbackOn = options.feedbackOn ?? 'recalled';
  const learnConfig = options.learning ?? ConfigSchema.parse({}).learning;
  const total = conversations.reduce((acc, c) => acc + c.turns.length + c.questions.length, 0);
  let done = 0;
  for (const conv of conversations) {
    const engine = await openEngine(conv);
    const { memory } = engine;
    try {
      const userId = `locomo-${conv.id}`;
      const known = new Set(conv.turns.map((t) => t.diaId));
      const byMemory = new Map<string, string[]>();
      for (const input of toTurnInputs(conv, userId, options.turnMode ?? 'pair', options.context ?? true)) {
        const result = await memory.observeTurn(input);
        const own = input.messages[0]?.role === 'assistant' ? input.messages.slice(1) : input.messages;
        const ids = own.map((m) => m.id!);
        for (const m of [...result.stored, ...result.updated]) {
          byMemory.set(m.id, [...new Set([...(byMemory.get(m.id) ?? []), ...ids])]);
        }
        done += ids.length;
        options.onProgress?.(done, total);
      }
      engine.freeze?.();
      const now = conv.turns.at(-1)?.at;
      const asked = conv.questions.filter((q) => q.evidence.length > 0);
      // Per category, so every category both teaches and is scored (LoCoMo lists them in runs).
      const train: LocomoQuestion[] = [];
      const test: LocomoQuestion[] = [];
      for (const category of new Set(asked.map((q) => q.category))) {
        const own = asked.filter((q) => q.category === category);
        const half = Math.floor(own.length / 2);
        train.push(...own.slice(0, half));
        test.push(...own.slice(half));
      }
      split.trainQuestions += train.length;
      split.testQuestions += test.length;

      const block = (q: LocomoQuestion) =>
        memory.recall({
          userId,
          messages: [{ role: 'user', content: q.question }],
          dryRun: true,
          ...(now ? { now } : {}),
        });
      const score = async (into: Scored) => {
        for (const q of test) {
          const { context } = await block(q);
          const answer = q.answer === undefined ? null : scoreAnswer(context, q.answer, q.category);
          if (answer) into.answers.push(answer);
          const { memories } = await memory.recall({
            userId,
            messages: [{ role: 'user', content: q.question }],
            k: Math.min(depth, 200),
            maxTokens: 32_000,
            dryRun: true,
            ...(now ? { now } : {}),
          });
          const turns = expandToTurns(
            memories.map((r) => ({ turnIds: sourcesOf(r, known, byMemory) })),
            20,
          );
          into.evidence.push(scoreQuestion(turns, q.evidence, q.category));
        }
      };

      await score(arms.noFeedback);
      engine.thaw?.();
      for (const [i, q] of train.entries()) {
        const result = await block(q);
        const inBlock = result.contextIds ?? result.memories.map((r) => r.memory.id);
        const ids =
          feedbackOn === 'block'
            ? inBlock
            : [...new Set([...inBlock, ...result.memories.map((r) => r.memory.id)])];
        const evidence = new Set(q.evidence);
        const byId = new Map(result.memories.map((r) => [r.memory.id, r]));
        const useful: string[] = [];
        const notUseful: string[] = [];
        for (const id of ids) {
          const hit = byId.get(id);
          const turns = hit ? sourcesOf(hit, known, byMemory) : [];
          (turns.some((t) => evidence.has(t)) ? useful : notUseful).push(id);
        }
        for (const [rating, memoryIds] of [
          ['useful', useful],
          ['not_useful', notUseful],
        ] as const) {
          if (memoryIds.length === 0) continue;
          await memory.feedback({
            userId,
            memoryIds,
            rating,
            messageId: `train-${i}`,
            recalled: ids,
            query: q.question,
          });
        }
        split.ratedUseful += useful.length;
        split.ratedNotUseful += notUseful.length;
      }
      engine.freeze?.();
      const learned = parseLearner(await engine.store?.getState?.(userId, LEARNER_KEY));
      for (const kind of QUERY_KINDS) {
        const sums = weightSums[kind] ?? {};
        weightSums[kind] = sums;
        for (const layer of LAYERS) {
          sums[layer] = (sums[layer] ?? 0) + Math.exp(learned.weights[layerFeature(layer, kind)] ?? 0);
        }
      }
      for (const [name, w] of Object.entries(learned.weights)) signalSums[name] = (signalSums[name] ?? 0) + w;
      const { mean, se } = checkSummary(learned.check);
      const applied = Object.keys(effectiveWeights(learned, emptyLearner(), learnConfig)).length > 0;
      const budget = checkSummary(learned.budgetCheck);
      const shares = countedShares(learned.budget, learnConfig);
      for (const layer of LAYERS)
        shareSums[layer] = (shareSums[layer] ?? 0) + (shares ? shares[layer] : DEFAULT_SHARES[layer]);
      perConversation.push({
        conversation: conv.id,
        messages: learned.check.messages,
        meanGain: Math.round(mean * 1e4) / 1e4,
        standardError: Math.round(se * 1e4) / 1e4,
        applied,
        budgetMessages: learned.budgetCheck.messages,
        budgetMeanGain: Math.round(budget.mean * 1e4) / 1e4,
        budgetStandardError: Math.round(budget.se * 1e4) / 1e4,
        budgetApplied: effectiveShares(learned, emptyLearner(), learnConfig) !== null,
      });
      await score(arms.withLearning);
      if (!engine.store?.putState) throw new Error('--learn needs a store that keeps per-user state');
      await engine.store.putState(userId, LEARNER_KEY, null);
      await score(arms.withoutLearning);
      done += conv.questions.length;
      options.onProgress?.(done, total);
    } finally {
      await memory.close();
    }
  }
  const meanWeights: LearnReport['meanWeights'] = {};
  for (const [kind, sums] of Object.entries(weightSums) as Array<[QueryKind, Record<LayerName, number>]>) {
    const mean: Partial<Record<LayerName, number>> = {};
    for (const [layer, sum] of Object.entries(sums) as Array<[LayerName, number]>) {
      mean[layer] = Math.round((sum / Math.max(1, conversations.length)) * 1000) / 1000;
    }
    meanWeights[kind] = mean;
  }
  return {
    split: {
      rule: 'per conversation and category, questions with evidence in file order: first half feedback, second half scored',
      feedbackOn,
      ...split,
    },
    noFeedback: arm(arms.noFeedback),
    withLearning: arm(arms.withLearning),
    withoutLearning: arm(arms.withoutLearning),
    meanWeights,
    meanSignalWeights: Object.fromEntries(
      Object.entries(signalSums)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, sum]) => [name, Math.round((sum / Math.max(1, conversations.length)) * 1000) / 1000]),
    ),
    meanShares: Object.fromEntries(
      Object.entries(shareSums).map(([l, sum]) => [
        l,
        Math.round((sum / Math.max(1, conversations.length)) * 1000) / 1000,
      ]),
    ),
    check: {
      applied: perConversation.filter((c) => c.applied).length,
      budgetApplied: perConversation.filter((c) => c.budgetApplied).length,
      conversations: perConversation.length,
      perConversation,
    },
  };
}

function fresh(): Scored {
  return { evidence: [], answers: [] };
}

function arm(scored: Scored): LearnArm {
  return { evidence: summarize(scored.evidence), answerInBlock: summarizeAnswers(scored.answers) };
}
