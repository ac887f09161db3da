/**
 * The one Layer contract. A layer turns an observed turn into memories to write
 * (`observe`), may turn a recall query into hints such as a time range (`prepareRecall`),
 * and may re-weight recall candidates (`score`). Layers see the store and embedder only
 * through the EngineContext interfaces, never a concrete store, so a seventh layer is one
 * new folder plus one line in registry.ts.
 */
import type { StrataConfig } from '../config/schema.ts';
import type { MediaRef } from '../media/types.ts';
import type { Language } from '../text/languages.ts';
import type { LayerName, Memory, Metadata, SourceRef } from '../types.ts';
import type { EngineContext } from './context.ts';

/** One message of the turn after normalization (parts joined, ids resolved). */
export interface TurnMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  /** Speaker name when the caller gave one (TurnInput.speakers). */
  speaker?: string;
  /** The message's language (pipeline/normalize.ts); absent: English. */
  language?: Language;
  /** Images and recordings of the message, kept as blobs; `text` holds their descriptions. */
  media?: MediaRef[];
}

/** The facts of one turn after normalization (pipeline/normalize.ts produces them). */
export interface TurnFacts {
  userId: string;
  chatId: string;
  turnId: string;
  /** The turn's instant (UTC). */
  at: Date;
  /** Validated IANA time zone of the user. */
  timeZone: string;
  user: TurnMessage;
  assistant?: TurnMessage;
  /**
   * The assistant message just before the user message, when the caller sent the
   * conversation so far (the reply the user is answering). Already stored by an earlier
   * turn; the episodic layer only pairs it with the user message as context.
   */
  previous?: TurnMessage;
  /** Turn-level source refs (user, then assistant message). */
  sources: SourceRef[];
}

export interface TurnContext extends TurnFacts {
  engine: EngineContext;
  /** Writes produced by layers that ran earlier in this turn (associative links them). */
  pending: readonly LayerWrite[];
}

/** A memory a layer wants written; the pipeline assigns a stable id from `key`. */
export interface LayerWrite {
  layer: LayerName;
  /** Unique within the turn and layer; with userId+chatId+turnId it forms the stable id. */
  key: string;
  content: string;
  importance: number;
  metadata: Metadata;
  sources: SourceRef[];
  /** Keys (`layer:key`) of other writes of the same turn to link to. */
  linkKeys?: string[];
  /** Ids of existing memories to link to. */
  linkIds?: string[];
  /** Existing memory ids this write supersedes (conflict resolution). */
  supersedes?: string[];
  /** Overrides the memory's createdAt (defaults to the turn instant). */
  createdAt?: string;
}

export interface TimeWindow {
  since?: string;
  until?: string;
  /** Which timestamp the window applies to: event dates (temporal layer) or createdAt. */
  field: 'eventAt' | 'createdAt';
  /** The expression it came from, e.g. "next week". */
  expression: string;
}

export interface QueryContext {
  engine: EngineContext;
  userId: string;
  chatId?: string;
  /** The latest user message text, what recall searches for. */
  text: string;
  /** The query text with any time expression removed. */
  searchText: string;
  now: Date;
  timeZone: string;
  /** Filled by prepareRecall hooks. */
  window?: TimeWindow;
  /** Emotion scores of the query (filled by the emotional layer's prepareRecall). */
  emotions?: Record<string, number>;
  /** Extra memory ids a layer wants considered as candidates. */
  extraCandidates?: Memory[];
  /** The query is only a time window ("what did I say last week?"): no content to match. */
  windowOnly?: boolean;
  /** The languages the query is searched in, its own first (text/detect-language.ts queryLanguages). */
  languages?: Language[];
}

export interface Layer {
  readonly name: LayerName;
  observe(ctx: TurnContext): LayerWrite[] | Promise<LayerWrite[]>;
  /** Adds hints (time window, emotion vector, extra candidates) to the query. */
  prepareRecall?(query: QueryContext): void | Promise<void>;
  /** Multiplier (1 = neutral) for a recall candidate, applied after the scoring function. */
  score?(candidate: Memory, query: QueryContext): number;
  /**
   * Metadata for every memory made from a message, whatever layer wrote it: how the
   * emotional layer says it did not analyse a message (no lexicon for its language).
   */
  annotate?(message: TurnMessage): Metadata | undefined;
}

export type LayerFactory = (config: StrataConfig) => Layer;
