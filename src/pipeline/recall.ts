/**
 * recall: the latest user message → ranked memories and a framed context block.
 * Steps: layers' prepareRecall hooks (time windows, emotion vector, extra candidates);
 * hybrid search across the enabled layers (superseded facts excluded); relevance
 * normalized to the best hit; scoring.ts × every layer's score() multiplier; spreading
 * activation along links; messages lifted to their episodic pair's score (pair-lift.ts);
 * memories of a speaker the query does not name damped (speaker-focus.ts); dedupe across
 * layers (same text, or one contained in the other); a small boost for memories of chats
 * that several top hits come from (chat-affinity.ts), and for memories of a session whose
 * summary ranks among the top hits (session-lift.ts); maximal marginal relevance over word
 * overlap, so the block covers several topics rather than one said five ways (diversify.ts);
 * feedback: a memory marked wrong weighs ×0.2 and stays out of the block, and with learning
 * on the user's learned weights over the ranking signals multiply each memory's score
 * (learned-features.ts, learner.ts; nothing is computed or changed with learning off);
 * the token-budgeted block (format.ts; with learning on, the user's learned layer shares
 * where their check passes); access reinforcement (touch) of what made it into
 * the block and co-recall link strengthening. `memories` is the ranked, deduplicated top k.
 * Shared scopes the instance takes part in (sync.scopes, federation) add their best
 * memories after the user's, marked in the block (`shared`; never touched or linked here).
 */

import { SCOPE_PREFIX, scopeUserId } from '../config/schema.ts';
import { ValidationError } from '../errors.ts';
import type { EngineContext } from '../layers/context.ts';
import { enabledLayers } from '../layers/registry.ts';
import type { QueryContext } from '../layers/types.ts';
import { contentText } from '../text/content.ts';
import { queryLanguages } from '../text/detect-language.ts';
import { queryKind } from '../text/query-kind.ts';
import { assertTimeZone } from '../text/time-zone.ts';
import {
  type LayerName,
  type Memory,
  type RecallRequest,
  RecallRequestSchema,
  type RecallResult,
  type SearchResult,
} from '../types.ts';
import { parseWith } from '../validation.ts';
import { spreadActivation, strengthenCoRecalled } from './activation.ts';
import { boostChatAffinity } from './chat-affinity.ts';
import { dedupeRanked } from './dedupe.ts';
import { diversify } from './diversify.ts';
import { appendShared, buildContextBlock, estimateTokens, SHARED_SHARE, sanitize } from './format.ts';
import { candidateFeatures, type Features, learnedMultiplier } from './learned-features.ts';
import type { Candidate } from './learner.ts';
import { learnedStrategy } from './learner-store.ts';
import { liftPairMembers } from './pair-lift.ts';
import { hybridSearch } from './retrieval/hybrid.ts';
import { scoreMemory } from './scoring.ts';
import { blockCandidates, liftSummarizedSessions, sessionLiftFactor } from './session-lift.ts';
import { focusSpeakers } from './speaker-focus.ts';

const EXTRA_RELEVANCE = 0.8;
const TOUCH_BOOST = 0.05;
/** Weight of a memory marked wrong by feedback (engine/feedback.ts). */
const WRONG_WEIGHT = 0.2;

/** Internal options: the learner's probes read every scored candidate's features. */
export interface RecallOptions {
  /** Called for each scored candidate with ln of its default score and its features. */
  collect?: (candidate: Candidate) => void;
}

export async function recall(
  ctx: EngineContext,
  request: RecallRequest,
  options: RecallOptions = {},
): Promise<RecallResult> {
  const req = parseWith(RecallRequestSchema, request, 'recall request');
  const timeZone = assertTimeZone(req.timeZone ?? ctx.config.timeZone);
  const last = [...req.messages].reverse().find((m) => m.role === 'user') ?? req.messages.at(-1);
  const text = last ? contentText(last.content).trim() : '';
  if (!text) throw new ValidationError('Nothing to recall for: the last user message has no text.');
  const now = req.now ? new Date(req.now) : ctx.clock.now();
  const k = req.k ?? ctx.config.recall.k;
  const layers = enabledLayers(ctx.config).filter((l) => !req.layers || req.layers.includes(l.name));
  const layerNames = layers.map((l) => l.name);
  if (layerNames.length === 0) return { context: '', memories: [], contextIds: [] };

  const query: QueryContext = { engine: ctx, userId: req.userId, text, searchText: text, now, timeZone };
  if (req.chatId) query.chatId = req.chatId;
  query.languages = queryLanguages(text, ctx.config.language);
  for (const layer of layers) await layer.prepareRecall?.(query);

  // Relevance is multiplied by the scoring function, so it must keep its magnitude:
  // recall fuses with config.recall.fusion (normalized scores by default), not search's RRF.
  const fusion = ctx.config.recall.fusion ?? 'score';
  const searchCtx = { ...ctx, config: { ...ctx.config, scoring: { ...ctx.config.scoring, fusion } } };
  const hits = await hybridSearch(
    searchCtx,
    {
      userId: req.userId,
      query: query.searchText,
      k: Math.max(k * 3, 30),
      layers: layerNames,
      mode: 'hybrid',
      includeSuperseded: false,
    },
    query.languages,
  );
  const best = Math.max(...hits.map((h) => h.score), 1e-9);
  const candidates = new Map<
    string,
    { memory: Memory; relevance: number; signals: SearchResult['signals'] }
  >();
  for (const h of hits)
    candidates.set(h.memory.id, { memory: h.memory, relevance: h.score / best, signals: h.signals });
  for (const m of query.extraCandidates ?? []) {
    const known = candidates.get(m.id);
    if (known) known.relevance = Math.max(known.relevance, EXTRA_RELEVANCE);
    else if (layerNames.includes(m.layer))
      candidates.set(m.id, { memory: m, relevance: EXTRA_RELEVANCE, signals: {} });
  }

  const kind = queryKind(text);
  // Learning hook: learned ranking weights and block shares (none with learning off).
  const { weights, shares } = await learnedStrategy(ctx, req.userId);
  const learning = Object.keys(weights).length > 0;
  const { collect } = options;
  const top = (name: 'vector' | 'keyword') => Math.max(1e-9, ...hits.map((h) => h.signals?.[name] ?? 0));
  const bestVector = top('vector');
  const bestKeyword = top('keyword');
  const score = (memory: Memory, relevance: number) => {
    let multiplier = memory.metadata.outdatedBy ? 0.5 : 1;
    if (memory.metadata.flaggedWrong) multiplier *= WRONG_WEIGHT;
    let layerFactor = 1;
    for (const layer of layers) layerFactor *= layer.score?.(memory, query) ?? 1;
    return {
      parts: scoreMemory(memory, relevance, now, ctx.config.scoring, multiplier * layerFactor),
      layerFactor,
    };
  };
  /** The learned multiplier (1 without learned weights), reporting the candidate to a probe. */
  const learn = (
    memory: Memory,
    base: number,
    parts: ReturnType<typeof scoreMemory>,
    layerFactor: number,
    signals: SearchResult['signals'],
    extra: boolean,
  ): number => {
    if (!learning && !collect) return 1;
    const features: Features = candidateFeatures({
      layer: memory.layer,
      kind,
      relevance: parts.relevance,
      ...(signals?.vector !== undefined ? { vector: signals.vector / bestVector } : {}),
      ...(signals?.keyword !== undefined ? { keyword: signals.keyword / bestKeyword } : {}),
      importance: parts.importance,
      reinforcement: parts.reinforcement,
      layerFactor,
      extra,
    });
    if (base > 0 && collect) {
      // A line's cost: its text and the `- [layer date id] ` prefix (about 9 tokens).
      const tokens = estimateTokens(sanitize(memory.content)) + 10;
      collect({ id: memory.id, base: Math.log(base), features, layer: memory.layer, tokens });
    }
    if (!learning) return 1;
    return learnedMultiplier(weights, features, ctx.config.learning.minWeight, ctx.config.learning.maxWeight);
  };
  let ranked: SearchResult[] = [];
  for (const c of candidates.values()) {
    if (c.memory.userId !== req.userId || c.memory.supersededBy) continue;
    const { parts, layerFactor } = score(c.memory, c.relevance);
    const m = learn(
      c.memory,
      parts.score,
      parts,
      layerFactor,
      c.signals,
      !c.signals?.vector && !c.signals?.keyword,
    );
    const signals = { ...c.signals, ...parts, ...(learning ? { learned: m } : {}) };
    ranked.push({ memory: c.memory, score: parts.score * m, signals });
  }
  ranked.sort((a, b) => b.score - a.score);

  if (layerNames.includes('associative')) {
    const activated = await spreadActivation(ctx, req.userId, ranked, new Set(candidates.keys()));
    for (const a of activated) {
      if (!layerNames.includes(a.memory.layer)) continue;
      const { parts, layerFactor } = score(a.memory, 1);
      const base = Math.min(a.activation, parts.score);
      const m = learn(a.memory, base, parts, layerFactor, {}, true);
      ranked.push({
        memory: a.memory,
        score: base * m,
        signals: { activation: a.activation, ...(learning ? { learned: m } : {}) },
      });
    }
    ranked.sort((a, b) => b.score - a.score);
  }

  // A layer's multiplier of 0 means "not for this query" (bookkeeping lines): out of the block too.
  const lifted = liftSummarizedSessions(
    ranked.filter((r) => r.score > 0),
    sessionLiftFactor(query, ctx.config.layers.sessionSummaries.lift),
  );
  const all = boostChatAffinity(dedupeRanked(focusSpeakers(liftPairMembers(lifted), text)));
  // A question with nothing to match but its time window ("what did I say last week?") is
  // ranked by the window alone: no topics to spread over.
  const diversity = query.windowOnly ? 0 : ctx.config.recall.diversity;
  // The block's dozen lines come from the first few dozen; a deep recall keeps the rest in order.
  const spread = Math.min(Math.max(k * 2, 40), 60);
  const pool = [...diversify(all.slice(0, spread), text, diversity), ...all.slice(spread)];
  ranked = pool.slice(0, k);
  const maxTokens = req.maxTokens ?? ctx.config.recall.maxTokens;
  const shared = await sharedHits(searchCtx, req, query.searchText, layerNames, k, now);
  // A memory the user marked wrong stays findable (ranked low) but is never offered as context.
  const personal = buildContextBlock(
    blockCandidates(pool, text, k)
      .map((r) => r.memory)
      .filter((m) => !m.metadata.flaggedWrong),
    shared.length > 0 ? Math.floor(maxTokens * (1 - SHARED_SHARE)) : maxTokens,
    timeZone,
    shares ?? undefined,
  );
  const block = appendShared(personal, shared, maxTokens, timeZone);
  if (block.included.length && !req.dryRun) {
    const at = ctx.clock.now().toISOString();
    await ctx.store.touch(
      req.userId,
      block.included.map((m) => m.id),
      at,
      TOUCH_BOOST,
    );
    await strengthenCoRecalled(ctx, block.included, at);
  }
  const result: RecallResult = {
    context: block.context,
    memories: ranked,
    contextIds: block.included.map((m) => m.id),
  };
  if (block.sharedIncluded.length > 0) {
    const scoreOf = new Map(shared.map((s) => [s.memory.id, s.score]));
    result.shared = block.sharedIncluded.map((s) => ({ ...s, score: scoreOf.get(s.memory.id) ?? 0 }));
  }
  return result;
}

/**
 * The best memories of each shared scope the instance takes part in (config sync.scopes;
 * the request may name fewer), ranked like the user's own; none for a scope's own recall.
 */
async function sharedHits(
  ctx: EngineContext,
  req: { userId: string; scopes?: string[] | undefined },
  text: string,
  layers: LayerName[],
  k: number,
  now: Date,
): Promise<Array<{ scope: string; memory: Memory; score: number }>> {
  const joined = ctx.config.sync.scopes;
  if (joined.length === 0 || req.userId.startsWith(SCOPE_PREFIX)) return [];
  const scopes = (req.scopes ?? joined).filter((s) => joined.includes(s));
  const out: Array<{ scope: string; memory: Memory; score: number }> = [];
  const per = Math.max(3, Math.ceil(k / 4));
  for (const scope of scopes) {
    const hits = await hybridSearch(ctx, {
      userId: scopeUserId(scope),
      query: text,
      k: per,
      layers,
      mode: 'hybrid',
      includeSuperseded: false,
    });
    const best = Math.max(...hits.map((h) => h.score), 1e-9);
    for (const h of hits) {
      const { score } = scoreMemory(h.memory, h.score / best, now, ctx.config.scoring, 1);
      out.push({ scope, memory: h.memory, score });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}
