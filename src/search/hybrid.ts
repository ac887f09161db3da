/**
 * Hybrid search: vector + keyword results from the store fused into one ranking.
 * (Stub until the engine work lands.)
 */
import type { EngineContext } from '../engine/context.ts';
import type { ParsedSearchQuery, SearchResult } from '../types.ts';

export async function hybridSearch(_ctx: EngineContext, _query: ParsedSearchQuery): Promise<SearchResult[]> {
  throw new Error('hybridSearch is not implemented yet');
}
