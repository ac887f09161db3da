/**
 * The symbolic layer: summaries and recurring themes of older threads. It writes nothing
 * per turn (summaries need a thread's worth of history); the consolidate job calls
 * summarizeThread() (summarize.ts) for episodic detail older than
 * config.layers.summarizeAfterDays. At recall it lifts summaries slightly when the query
 * asks for an overview ("usually", "generally", "what do we talk about").
 */
import type { StrataConfig } from '../../config/schema.ts';
import type { Layer } from '../types.ts';

const OVERVIEW =
  /\b(usually|generally|often|always|overall|themes?|summar\w*|talk about|in general|recurring)\b/i;

export function createSymbolicLayer(_config: StrataConfig): Layer {
  return {
    name: 'symbolic',
    observe: () => [],
    score(candidate, query): number {
      if (candidate.layer !== 'symbolic') return 1;
      return OVERVIEW.test(query.text) ? 1.3 : 0.9;
    },
  };
}
