/**
 * The turn pipeline entry points used by the engine: observe a turn, recall a framed
 * context block, consolidate, and emotional clustering. (Stub until the layers work lands.)
 */
import type { ConsolidateOptions, EmotionCluster } from '../api.ts';
import type { EngineContext } from '../engine/context.ts';
import type { ConsolidateResult, ObserveResult, RecallRequest, RecallResult, TurnInput } from '../types.ts';

export async function observeTurn(_ctx: EngineContext, _turn: TurnInput): Promise<ObserveResult> {
  throw new Error('observeTurn is not implemented yet');
}

export async function recall(_ctx: EngineContext, _request: RecallRequest): Promise<RecallResult> {
  throw new Error('recall is not implemented yet');
}

export async function consolidate(
  _ctx: EngineContext,
  _options: ConsolidateOptions = {},
): Promise<ConsolidateResult> {
  throw new Error('consolidate is not implemented yet');
}

export async function emotionClusters(_ctx: EngineContext, _userId: string): Promise<EmotionCluster[]> {
  throw new Error('emotionClusters is not implemented yet');
}
