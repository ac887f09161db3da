/**
 * The symbolic layer: summaries and recurring themes of older threads. It writes nothing
 * per turn (summaries need a thread's worth of history); the consolidate job calls
 * summarizeThread() (summarize.ts) for episodic detail older than
 * config.layers.summarizeAfterDays, and with layers.sessionSummaries.enabled the background
 * summarizer writes one per finished session (pipeline/session-summaries.ts). At recall it
 * lifts summaries slightly when the query asks for an overview ("usually", "generally",
 * "what do we talk about"); session summaries take part only in such recalls unless
 * sessionSummaries.recallUse is 'always', and weigh ×0.6 for "when" questions and windows.
 */
import type { StrataConfig } from '../../config/schema.ts';
import { WHEN_QUESTION } from '../../text/query-kind.ts';
import type { Layer } from '../types.ts';

/** Weight of a session summary for "when" questions and time windows. */
export const DATED_WEIGHT = 0.6;

export const OVERVIEW =
  /\b(usually|generally|often|always|overall|themes?|summar\w*|talk about|in general|recurring)\b/i;

export function createSymbolicLayer(config: StrataConfig): Layer {
  const always = config.layers.sessionSummaries.recallUse === 'always';
  return {
    name: 'symbolic',
    observe: () => [],
    score(candidate, query): number {
      if (candidate.layer !== 'symbolic') return 1;
      const overview = OVERVIEW.test(query.text);
      // By default a session summary is for overview questions only (0: not in this recall).
      if (candidate.metadata.kind === 'session-summary' && !always && !overview) return 0;
      // A session summary is dated by its session, not by the events it mentions: a "when"
      // question or a time window wants the dated event or message instead.
      if (candidate.metadata.kind === 'session-summary' && (query.window || WHEN_QUESTION.test(query.text)))
        return DATED_WEIGHT;
      return overview ? 1.3 : 0.9;
    },
  };
}
