/**
 * The kind of question a message asks, as far as recall weighs memories differently for
 * it: 'when' (a date or a span of time: "When did…", "How long ago…") or 'other'. The
 * temporal layer weighs dated events up for 'when'; the learner keeps separate layer
 * weights per kind, since what helps a date question (dated events) and a content
 * question (the turns themselves) pull layer weights in opposite directions.
 */

export const QUERY_KINDS = ['when', 'other'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Questions that ask for a date or a span of time. */
export const WHEN_QUESTION =
  /^\s*(when|what (?:date|day|year|month|time)|which (?:date|day|year|month)|how long|since when)\b|\bhow long ago\b/i;

export function queryKind(text: string): QueryKind {
  return WHEN_QUESTION.test(text) ? 'when' : 'other';
}
