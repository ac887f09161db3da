/**
 * The LoCoMo run of SPEC §9 over Strata's public surface: each conversation gets a fresh
 * engine (its own store) and its own userId; every dialogue turn goes through observeTurn
 * with its session date, speaker names and its `D<s>:<t>` id as the message id; every
 * question of categories 1–4 is a recall (or search) query whose ranked memories expand
 * into source turns. Engine construction is injected so tests can pass a fake engine.
 */
import type { LayerName, SearchResult, TurnInput } from '../../src/types.ts';
import { type AnswerInBlockSummary, type AnswerScore, scoreAnswer, summarizeAnswers } from './answer.ts';
import type { LocomoConversation, LocomoQuestion, LocomoTurn } from './dataset.ts';
import type { EvalEngine } from './engine.ts';
import { expandToTurns, type QuestionScore, type RecallSummary, scoreQuestion, summarize } from './metric.ts';

export type TurnMode = 'pair' | 'single';

export interface LocomoRunOptions {
  /** How many memories each query asks for (the ranking is cut to 20 turns anyway). */
  depth?: number;
  layers?: LayerName[];
  /** recall: the product path (default); search: hybrid search only. */
  method?: 'recall' | 'search';
  /** pair: consecutive speakers form one user+assistant turn; single: one turn per message. */
  turnMode?: TurnMode;
  /** Send the message before each turn along as conversation context (default true). */
  context?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** The block's token budget for the answer-in-block metric (default: the engine's config). */
  blockTokens?: number;
  /** Called per scored question with its ranked turns and ranked memories (failure analysis). */
  onQuestion?: (detail: QuestionDetail) => void;
}

export interface QuestionDetail {
  conversation: string;
  question: LocomoQuestion;
  rankedTurns: string[];
  ranked: SearchResult[];
  score: QuestionScore;
  /** The context block recall gives with the default budget, and how it scores. */
  block: string;
  answer: AnswerScore | null;
}

export interface LocomoRunReport extends RecallSummary {
  skippedQuestions: number;
  conversations: number;
  turns: number;
  /** What the model receives: the gold answer's words in the default-budget block. */
  answerInBlock: AnswerInBlockSummary;
  timings: {
    ingestMsPerTurn: number;
    /** The evidence query (deep recall or search). */
    queryMsP50: number;
    queryMsP95: number;
    /** The product call: recall with the default budget, as a chat makes it. */
    blockMsP50: number;
    blockMsP95: number;
  };
}

/** Groups a conversation's turns into observeTurn inputs (pairs never cross sessions). */
export function toTurnInputs(
  conv: LocomoConversation,
  userId: string,
  mode: TurnMode,
  context = true,
): TurnInput[] {
  const groups: LocomoTurn[][] = [];
  for (let i = 0; i < conv.turns.length; i += 1) {
    const turn = conv.turns[i]!;
    const next = conv.turns[i + 1];
    if (mode === 'pair' && next && next.session === turn.session && next.speaker !== turn.speaker) {
      groups.push([turn, next]);
      i += 1;
    } else {
      groups.push([turn]);
    }
  }
  return groups.map((group, g) => {
    const [first, second] = group as [LocomoTurn, LocomoTurn | undefined];
    const speakers: { user: string; assistant?: string } = { user: first.speaker };
    if (second) speakers.assistant = second.speaker;
    // Like a chat front end sending the conversation so far: the message before this turn
    // (same session, the other speaker) comes along as context; it was stored by the
    // previous turn, so observeTurn only uses it to pair it with this turn's first message.
    const before = context ? groups[g - 1]?.at(-1) : undefined;
    const previous =
      before && before.session === first.session && before.speaker !== first.speaker ? before : undefined;
    if (previous && !second) speakers.assistant = previous.speaker;
    const messages: TurnInput['messages'] = previous
      ? [{ id: previous.diaId, role: 'assistant', content: previous.text, timestamp: previous.at }]
      : [];
    group.forEach((t, idx) => {
      messages.push({
        id: t.diaId,
        role: idx === 0 ? ('user' as const) : ('assistant' as const),
        content: t.text,
        timestamp: t.at,
      });
    });
    const input: TurnInput = {
      userId,
      chatId: `session-${first.session}`,
      timestamp: first.at,
      speakers,
      messages,
    };
    return input;
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Maps one ranked result to the dialogue turns it came from. */
export function sourcesOf(
  result: SearchResult,
  known: Set<string>,
  byMemory: Map<string, string[]>,
): string[] {
  const fromSources = result.memory.sources
    .map((s) => s.messageId)
    .filter((id): id is string => id !== undefined && known.has(id));
  if (fromSources.length > 0) return [...new Set(fromSources)];
  return byMemory.get(result.memory.id) ?? [];
}

export async function runLocomo(
  conversations: readonly LocomoConversation[],
  openEngine: (conv: LocomoConversation) => Promise<EvalEngine>,
  options: LocomoRunOptions = {},
): Promise<LocomoRunReport> {
  const depth = options.depth ?? 50;
  const mode = options.turnMode ?? 'pair';
  const scores: QuestionScore[] = [];
  const queryMs: number[] = [];
  const blockMs: number[] = [];
  const answers: AnswerScore[] = [];
  let skipped = 0;
  let ingestMs = 0;
  let turns = 0;
  const total = conversations.reduce((acc, c) => acc + c.turns.length + c.questions.length, 0);
  let done = 0;
  for (const conv of conversations) {
    const engine = await openEngine(conv);
    const memory = engine.memory;
    try {
      const userId = `locomo-${conv.id}`;
      const known = new Set(conv.turns.map((t) => t.diaId));
      const byMemory = new Map<string, string[]>();
      const started = performance.now();
      for (const input of toTurnInputs(conv, userId, mode, options.context ?? true)) {
        const result = await memory.observeTurn(input);
        // A leading assistant message is the context sent along, not this turn's own.
        const own = input.messages[0]?.role === 'assistant' ? input.messages.slice(1) : input.messages;
        const ids = own.map((m) => m.id!);
        for (const m of [...result.stored, ...result.updated]) {
          byMemory.set(m.id, [...new Set([...(byMemory.get(m.id) ?? []), ...ids])]);
        }
        done += ids.length;
        turns += ids.length;
        options.onProgress?.(done, total);
      }
      ingestMs += performance.now() - started;
      // Between the conversation and its questions the background summarizer catches up,
      // as it would between a user's sessions: the last session ends (idle past the gap)
      // and every queued summary is written before the first question.
      await memory.flushSummaries();
      engine.freeze?.();
      const now = conv.turns.at(-1)?.at;
      for (const q of conv.questions) {
        done += 1;
        if (q.evidence.length === 0) {
          skipped += 1;
          options.onProgress?.(done, total);
          continue;
        }
        // The block a chat would get (default budget and k), recorded as no access so the
        // evidence query below sees the store exactly as before.
        const b0 = performance.now();
        const { context: block } = await memory.recall({
          userId,
          messages: [{ role: 'user', content: q.question }],
          dryRun: true,
          ...(options.blockTokens ? { maxTokens: options.blockTokens } : {}),
          ...(options.layers ? { layers: options.layers } : {}),
          ...(now ? { now } : {}),
        });
        blockMs.push(performance.now() - b0);
        const answer = q.answer === undefined ? null : scoreAnswer(block, q.answer, q.category);
        if (answer) answers.push(answer);
        const t0 = performance.now();
        const ranked =
          options.method === 'search'
            ? await memory.search({
                userId,
                query: q.question,
                k: depth,
                ...(options.layers ? { layers: options.layers } : {}),
              })
            : (
                await memory.recall({
                  userId,
                  messages: [{ role: 'user', content: q.question }],
                  k: Math.min(depth, 200),
                  maxTokens: 32_000,
                  ...(options.layers ? { layers: options.layers } : {}),
                  ...(now ? { now } : {}),
                })
              ).memories;
        queryMs.push(performance.now() - t0);
        const rankedTurns = expandToTurns(
          ranked.map((r) => ({ turnIds: sourcesOf(r, known, byMemory) })),
          20,
        );
        const score = scoreQuestion(rankedTurns, q.evidence, q.category);
        scores.push(score);
        options.onQuestion?.({
          conversation: conv.id,
          question: q,
          rankedTurns,
          ranked,
          score,
          block,
          answer,
        });
        options.onProgress?.(done, total);
      }
    } finally {
      await memory.close();
    }
  }
  queryMs.sort((a, b) => a - b);
  blockMs.sort((a, b) => a - b);
  const ms = (x: number) => Math.round(x * 100) / 100;
  return {
    ...summarize(scores),
    skippedQuestions: skipped,
    conversations: conversations.length,
    turns,
    answerInBlock: summarizeAnswers(answers),
    timings: {
      ingestMsPerTurn: ms(ingestMs / Math.max(1, turns)),
      queryMsP50: ms(percentile(queryMs, 50)),
      queryMsP95: ms(percentile(queryMs, 95)),
      blockMsP50: ms(percentile(blockMs, 50)),
      blockMsP95: ms(percentile(blockMs, 95)),
    },
  };
}
