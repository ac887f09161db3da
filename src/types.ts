/**
 * The domain vocabulary as zod schemas, the single source of truth for validation, types
 * and the OpenAPI document. Input schemas validate at the edge (library calls, HTTP, CLI,
 * MCP); record schemas describe what is stored and exported.
 */
import { z } from 'zod';

/** The six memory layers, in pipeline order. */
export const LAYERS = ['episodic', 'semantic', 'emotional', 'temporal', 'associative', 'symbolic'] as const;
export const LayerSchema = z.enum(LAYERS);
/** One of {@link LAYERS}. */
export type LayerName = z.infer<typeof LayerSchema>;

/** ISO-8601 instant; normalized to UTC `...Z` by `toUtcIso`. */
export const IsoDateSchema = z
  .string()
  .refine((value) => !Number.isNaN(Date.parse(value)) && /^\d{4}-\d{2}-\d{2}/.test(value), {
    message: 'must be an ISO-8601 date or date-time such as 2024-05-01T12:00:00Z',
  });

/** C0/C1 controls, bidi embeddings/overrides/isolates and marks: invisible or reordering text in an id. */
const UNSAFE_ID_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** An identifier someone reads or compares: no controls, no bidi tricks, no unpaired surrogates. */
export function idSchema(name: string, max = 256) {
  return z
    .string()
    .min(1, `${name} is required`)
    .max(max, `${name} must be at most ${max} characters`)
    .refine(
      (value) => value.trim() === value && !UNSAFE_ID_CHARS.test(value) && !UNPAIRED_SURROGATE.test(value),
      {
        message: `${name} must not contain control or bidirectional-override characters, unpaired surrogates or surrounding whitespace`,
      },
    );
}

export const UserIdSchema = idSchema('userId');

export const MemoryIdSchema = z.string().min(1).max(128);

export const MetadataSchema = z.record(z.string(), z.unknown());
export type Metadata = z.infer<typeof MetadataSchema>;

/** A pointer from a memory back to the turn (and message) it came from. */
export const SourceRefSchema = z.object({
  chatId: idSchema('chatId').optional(),
  messageId: idSchema('messageId').optional(),
  turnId: z.string().optional(),
  role: z.enum(['user', 'assistant', 'system', 'tool']).optional(),
  at: IsoDateSchema.optional(),
});
export type SourceRef = z.infer<typeof SourceRefSchema>;

export const MemorySchema = z.object({
  id: MemoryIdSchema,
  userId: UserIdSchema,
  layer: LayerSchema,
  content: z.string(),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
  importance: z.number().min(0).max(1),
  /** Memory strength for decay: grows with access and replay (1 = fresh). */
  strength: z.number().min(0),
  accessCount: z.number().int().min(0),
  lastAccessedAt: IsoDateSchema.nullable(),
  sources: z.array(SourceRefSchema),
  links: z.array(MemoryIdSchema),
  metadata: MetadataSchema,
  version: z.number().int().min(1),
  supersededBy: MemoryIdSchema.nullable(),
  /** Id of the embedding model whose vector is stored for this memory (null: none). */
  embeddingModel: z.string().nullable(),
});
/** A stored memory: content, layer, importance, timestamps, version, metadata and provenance. */
export type Memory = z.infer<typeof MemorySchema>;

export const MemoryInputSchema = z.object({
  id: MemoryIdSchema.optional(),
  userId: UserIdSchema,
  layer: LayerSchema.default('semantic'),
  content: z.string(),
  createdAt: IsoDateSchema.optional(),
  importance: z.number().min(0).max(1).optional(),
  sources: z.array(SourceRefSchema).optional(),
  links: z.array(MemoryIdSchema).optional(),
  metadata: MetadataSchema.optional(),
});
/** What {@link StrataMemory.add} takes: `userId` and `content`, everything else optional. */
export type MemoryInput = z.input<typeof MemoryInputSchema>;

export const MemoryPatchSchema = z
  .object({
    content: z.string().optional(),
    importance: z.number().min(0).max(1).optional(),
    layer: LayerSchema.optional(),
    metadata: MetadataSchema.optional(),
    links: z.array(MemoryIdSchema).optional(),
    sources: z.array(SourceRefSchema).optional(),
    supersededBy: MemoryIdSchema.nullable().optional(),
  })
  .strict();
/** What {@link StrataMemory.update} changes: content, metadata and/or importance. */
export type MemoryPatch = z.infer<typeof MemoryPatchSchema>;

export const VERSION_OPS = ['create', 'update', 'rollback', 'merge', 'supersede', 'import'] as const;
export const MemoryVersionSchema = z.object({
  memoryId: MemoryIdSchema,
  version: z.number().int().min(1),
  op: z.enum(VERSION_OPS),
  at: IsoDateSchema,
  /** Full snapshot of the memory as it was at this version. */
  memory: MemorySchema,
});
/** One entry of a memory's history: the operation, when, and the memory as it was. */
export type MemoryVersion = z.infer<typeof MemoryVersionSchema>;
export type VersionOp = (typeof VERSION_OPS)[number];

export const SEARCH_MODES = ['hybrid', 'vector', 'keyword'] as const;
export const SearchQuerySchema = z.object({
  userId: UserIdSchema,
  query: z.string().min(1, 'query must not be empty'),
  k: z.number().int().min(1).max(1000).default(10),
  layers: z.array(LayerSchema).optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  /** IANA time zone for natural-language since/until ("last week"). Defaults to UTC. */
  timeZone: z.string().optional(),
  mode: z.enum(SEARCH_MODES).default('hybrid'),
  metadata: MetadataSchema.optional(),
  includeSuperseded: z.boolean().default(false),
});
/** What {@link StrataMemory.search} takes: `userId`, `query`, and optional k, mode, layers, time range and metadata filter. */
export type SearchQuery = z.input<typeof SearchQuerySchema>;
export type ParsedSearchQuery = z.output<typeof SearchQuerySchema>;

/** One hit of {@link StrataMemory.search}: the memory, its fused score and the per-list signals. */
export interface SearchResult {
  memory: Memory;
  score: number;
  /** Per-signal detail for debugging and evaluation. */
  signals?: { vector?: number; keyword?: number; [signal: string]: number | undefined };
}

export const ListQuerySchema = z.object({
  userId: UserIdSchema,
  layer: LayerSchema.optional(),
  since: z.string().optional(),
  until: z.string().optional(),
  timeZone: z.string().optional(),
  limit: z.number().int().min(1).max(1000).default(50),
  cursor: z.string().optional(),
  metadata: MetadataSchema.optional(),
  includeSuperseded: z.boolean().default(true),
});
/** What {@link StrataMemory.list} takes: `userId`, optional layers, time range, metadata, limit and cursor. */
export type ListQuery = z.input<typeof ListQuerySchema>;

/** A page of results; `nextCursor` fetches the next one (absent on the last page). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * Message content as chat front ends send it: a string, or OpenAI-style parts (text,
 * image_url, input_image, image, input_audio, audio_url, file; others become placeholders).
 */
export const ContentPartSchema = z.union([
  z.object({ type: z.literal('text'), text: z.string() }).passthrough(),
  z
    .object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }).passthrough() })
    .passthrough(),
  z.object({ type: z.string() }).passthrough(),
]);
export const MessageContentSchema = z.union([z.string(), z.array(ContentPartSchema)]);

export const ChatMessageSchema = z.object({
  id: idSchema('message id', 512).optional(),
  role: z.enum(['user', 'assistant', 'system', 'tool']),
  content: MessageContentSchema,
  timestamp: z.union([IsoDateSchema, z.number()]).optional(),
  /**
   * Open WebUI attachments (`{type:"image", url}`, `{type:"file", url, name, file:{meta:
   * {content_type}, data:{content}}}`): the images and recordings among them are read like
   * content parts (docs/multimodal.md); documents are left to Open WebUI.
   */
  files: z.array(z.record(z.string(), z.unknown())).max(64).optional(),
});
/** One chat message: role, content (text or parts) and an optional timestamp. */
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const TurnSchema = z.object({
  userId: UserIdSchema,
  chatId: idSchema('chatId').default('default'),
  messages: z.array(ChatMessageSchema).min(1, 'messages must contain at least the user message'),
  timestamp: IsoDateSchema.optional(),
  timeZone: z.string().optional(),
  /** Optional speaker names (e.g. LoCoMo speakers) used to make stored text speaker-aware. */
  speakers: z.object({ user: z.string().optional(), assistant: z.string().optional() }).optional(),
  metadata: MetadataSchema.optional(),
  /**
   * Ids of the memories whose lines were in the block the model got for this turn's reply
   * (RecallResult.contextIds), best first. With learning.implicit on, the reply's use of
   * them is feedback (docs/feedback.md); otherwise ignored.
   */
  recalled: z.array(MemoryIdSchema).max(1000).optional(),
});
/** What {@link StrataMemory.observeTurn} takes: `userId`, `chatId` and the turn's messages. */
export type TurnInput = z.input<typeof TurnSchema>;
export type Turn = z.output<typeof TurnSchema>;

export const RecallRequestSchema = z.object({
  userId: UserIdSchema,
  chatId: idSchema('chatId').optional(),
  messages: z.array(ChatMessageSchema).min(1, 'messages must contain at least one message'),
  /** Token budget of the block; config `recall.maxTokens` (800) when left out. */
  maxTokens: z.number().int().min(16).max(32_000).optional(),
  layers: z.array(LayerSchema).optional(),
  k: z.number().int().min(1).max(200).optional(),
  timeZone: z.string().optional(),
  now: IsoDateSchema.optional(),
  /** Build the block without recording access (no reinforcement, no co-recall links). */
  dryRun: z.boolean().optional(),
  /** Shared scopes to add (of config sync.scopes; default all of them, [] for none). */
  scopes: z.array(z.string()).optional(),
});
/** What {@link StrataMemory.recall} takes: `userId`, the messages so far, and an optional budget, k, layers, time zone and `now`. */
export type RecallRequest = z.input<typeof RecallRequestSchema>;

/** Every rating feedback can give a recalled memory. */
export const FEEDBACK_RATINGS = ['useful', 'not_useful', 'wrong'] as const;
/** One of {@link FEEDBACK_RATINGS}: the recalled memory helped, did not help, or is false. */
export type FeedbackRating = (typeof FEEDBACK_RATINGS)[number];

export const FeedbackInputSchema = z
  .object({
    userId: UserIdSchema,
    memoryIds: z.array(MemoryIdSchema).min(1, 'memoryIds must name at least one memory').max(200),
    rating: z.enum(FEEDBACK_RATINGS),
    /** The assistant message the memories were recalled for; the same rating twice for one message counts once. */
    messageId: z.string().min(1).max(256).optional(),
    chatId: z.string().min(1).max(256).optional(),
    /**
     * The ids recall offered for that message, best first (RecallResult.contextIds): the
     * learner learns layer weights only from rated memories it can rank against each other.
     */
    recalled: z.array(MemoryIdSchema).max(1000).optional(),
    /** The user message the memories were recalled for: the learner keeps weights per kind of question. */
    query: z.string().max(32_768).optional(),
  })
  .strict();
/** What {@link StrataMemory.feedback} takes: the user, the rated memories and the rating. */
export type FeedbackInput = z.input<typeof FeedbackInputSchema>;

/** What {@link StrataMemory.feedback} did: the memories as they are now, and the user's learned layer weights. */
export interface FeedbackResult {
  /** The rated memories after the feedback (a new version each, unless the rating was a repeat). */
  memories: Memory[];
  /** Memories whose rating for this message was already recorded (nothing changed). */
  repeated: string[];
  /** The user's recall multiplier per layer for the query's kind of question after this feedback, as recall applies it (1 = default). */
  weights: Record<LayerName, number>;
}

/** What {@link StrataMemory.recall} returns: the context block and the ranked memories in it. */
export interface RecallResult {
  context: string;
  memories: SearchResult[];
  /** Ids of the memories whose lines are in `context` (what a rating of the reply is about). */
  contextIds?: string[];
  /** Memories of shared scopes (sync.scopes) whose lines are in `context`, marked `shared:<scope>` there. */
  shared?: Array<{ scope: string; memory: Memory; score: number }>;
}

/** One ranked memory of {@link StrataMemory.explain}: why it is where it is. */
export interface ExplainLine {
  /** 0 = best. */
  rank: number;
  memory: Memory;
  /** Whether its line is in the block. */
  inBlock: boolean;
  /** Its final score, and the signals and multipliers that made it (relevance, recency, importance, layer factors, activation, chat…). */
  score: number;
  signals: Record<string, number>;
  /** The multiplier the applied learned weights put on its score (1 with learning off, no feedback, or weights not applied). */
  learnedWeight: number;
  /** What each learned signal weight adds to its log-score (weight × signal; only non-zero ones). */
  learnedContributions: Record<string, number>;
  /** The ratings this memory got, and whether it is flagged wrong (then it stays out of the block). */
  feedback: { useful: number; notUseful: number; wrong: number; flaggedWrong: boolean };
}

/** The learned weights recall used for one user and kind of question, and what moved them. */
export interface LearningExplained {
  enabled: boolean;
  /** 'when' (date questions) or 'other': layer weights are learned per kind. */
  queryKind: string;
  /** The multiplier per layer that the applied weights give for this kind of question (1 = default). */
  weights: Record<LayerName, number>;
  /** The user's own layer multipliers before mixing with the shared prior. */
  userWeights: Record<LayerName, number>;
  /** The shared prior's layer multipliers (fitted across users by an all-user consolidate). */
  priorWeights: Record<LayerName, number>;
  /**
   * The applied weight per ranking signal (empty: the defaults): `layer:<layer>@<kind>`,
   * `relevance` (on ln relevance), `vector`, `keyword`, `recency`, `importance`,
   * `reinforcement`, `layerFactor`, `extra`; a memory's score is multiplied by exp(Σ weight × signal).
   */
  signalWeights: Record<string, number>;
  /** The user's own signal weights, and the prior's. */
  userSignalWeights: Record<string, number>;
  priorSignalWeights: Record<string, number>;
  /** How much of the weights is the user's own (messages / (messages + learning.priorEvents)); the rest is the prior. */
  ownShare: number;
  /** What moved them: rated memories, useful ones, rated messages learned from and their pairs. */
  ratings: number;
  useful: number;
  messages: number;
  pairs: number;
  /**
   * The bound: each rated message re-ranks what recall offered for it with the weights as
   * they were then and with the defaults, and fills a block of the default budget from each
   * ranking; agree / disagree count the messages where the learned block held more / fewer
   * of the useful memories (the gain: the share of them held, learned minus default; a
   * message rated without a query: NDCG of its `recalled` order). Weights are applied only
   * after 20 tested messages while the mean gain less `learning.confidence` standard errors
   * is above learning.margin; before that, the prior's summed check decides.
   */
  check: {
    agree: number;
    disagree: number;
    messages: number;
    meanGain: number;
    standardError: number;
    margin: number;
    passes: boolean;
    priorPasses: boolean;
    applied: boolean;
  };
  /**
   * The learned budget: the share of the block's tokens per layer that recall applies
   * (`shares`, the defaults when not applied; normalized over the layers present), the
   * user's own learned shares (null until enough rated lines), the defaults, and what moved
   * them: rated lines and useful ones per layer. Its check compares blocks filled with the
   * learned and the default shares (default ranking), as the weights' check does.
   */
  budget: {
    shares: Record<LayerName, number>;
    userShares: Record<LayerName, number> | null;
    defaultShares: Record<LayerName, number>;
    lines: Partial<Record<LayerName, number>>;
    usefulLines: Partial<Record<LayerName, number>>;
    check: LearningExplained['check'];
  };
  updatedAt: string | null;
}

/** What {@link StrataMemory.explain} returns: the block recall would inject now, each ranked memory's reasons, and the learning behind them. */
export interface ExplainResult {
  context: string;
  lines: ExplainLine[];
  learning: LearningExplained;
}

/** Feedback and learning of one user, in {@link MemoryStats}. */
export interface UserLearningStats {
  userId: string;
  /** Rated memories and useful ones. */
  ratings: number;
  useful: number;
  /** Rated messages and (useful, not useful) pairs learned from. */
  messages: number;
  pairs: number;
  /** The largest factor any learned signal weight is from the default (1 = defaults), e.g. 1.3 for ×1.3 or ×1/1.3. */
  maxFactor: number;
  /** Euclidean distance of the learned weights from the defaults (0 = defaults). */
  distance: number;
  /** Whether recall applies them now (the check passes; docs/feedback.md). */
  applied: boolean;
  /** The largest factor any layer's learned block share is from its default (1 = defaults, or too few rated lines). */
  budgetFactor: number;
  /** Whether recall applies the learned block shares now (their own check passes). */
  budgetApplied: boolean;
  updatedAt: string | null;
}

/** What {@link StrataMemory.observeTurn} stored and updated for one turn. */
export interface ObserveResult {
  turnId: string;
  stored: Memory[];
  updated: Memory[];
  skipped: boolean;
}

/** Counts per consolidation job. */
export interface ConsolidateResult {
  merged: number;
  superseded: number;
  summarized: number;
  reinforced: number;
  deleted: number;
}

export interface LayerStats {
  count: number;
  bytes: number;
}

/** Where summaries stand for one user or all: what is queued and how far behind the worker is. */
export interface SummaryStats {
  /** Sessions queued and not summarized yet. */
  pending: number;
  /** When the oldest queued job was queued (null: none). */
  oldestQueuedAt: string | null;
  /** How long the oldest queued job has waited, in ms (0: none). */
  lagMs: number;
  /** Summaries written so far. */
  written: number;
  /** Queue-to-write time of the most recent summary, in ms. */
  lastLagMs: number | null;
}

/** Counts per layer and store/embedder figures ({@link StrataMemory.stats}). */
export interface MemoryStats {
  users: number;
  memories: number;
  versions: number;
  /** Bytes stored: memories, and media blobs (also given apart in `media`). */
  bytes: number;
  byLayer: Record<LayerName, LayerStats>;
  /** Images and recordings kept as blobs, and their bytes. */
  media?: { blobs: number; bytes: number };
  embedder?: {
    model: string;
    dimensions: number;
    cacheHits: number;
    cacheMisses: number;
    cacheHitRate: number;
    /** Texts waiting in the embedding batch queue (for /metrics). */
    queueDepth?: number;
  };
  store: { kind: string; path?: string };
  /** Feedback and learning: whether learning is on, and per user with feedback how much they gave and how far their weights moved. */
  learning?: { enabled: boolean; users: UserLearningStats[] };
  /** Session summaries written in the background: the queue and its lag. */
  summaries?: SummaryStats;
}

/** What {@link StrataMemory.import} wrote. */
export interface ImportResult {
  imported: number;
  unchanged: number;
  lines: number;
  /** Media blobs written (absent when the file had none new). */
  media?: number;
}
