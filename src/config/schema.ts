/**
 * The one configuration schema. Every section has defaults, so `{}` is a working embedded
 * setup (SQLite in ./.strata, the offline static embedder). Loaded from a JSON file and
 * STRATA_* environment variables by config/load.ts, the only module that reads
 * process.env.
 */
import { z } from 'zod';
import { LANGUAGES } from '../text/languages.ts';
import { LAYERS, UserIdSchema } from '../types.ts';

const SqliteStoreSchema = z.object({
  kind: z.literal('sqlite'),
  /** Database file; defaults to <dataDir>/strata.db. ':memory:' for a throwaway store. */
  path: z.string().optional(),
  /**
   * How vectors are kept in the in-process index. int8 (default) uses 4x less memory and the
   * store re-scores its oversampled candidates with the exact float32 vectors from SQLite, so
   * results match float32 (LoCoMo R@1..20 identical; docs/performance.md, "Resident memory
   * at 100k"). float32 keeps exact vectors in memory too (plus an int8 shadow when large).
   */
  vectorPrecision: z.enum(['float32', 'int8']).default('int8'),
  /** Busy timeout for concurrent processes on the same file. */
  busyTimeoutMs: z.number().int().min(0).default(5_000),
  /** SQLite synchronous pragma: normal (default; crash-safe in WAL) or full (also power-loss safe). */
  synchronous: z.enum(['normal', 'full']).optional(),
  /**
   * Where keyword search runs: 'memory' = an in-process per-user inverted index built at open
   * (a query touches only its user's postings), 'fts5' = the file's FTS5 index (one index over
   * all users). Unset means 'memory'. See docs/performance.md.
   */
  keywordIndex: z.enum(['memory', 'fts5']).optional(),
});

const MemoryStoreSchema = z.object({ kind: z.literal('memory') });

const QdrantStoreSchema = z.object({
  kind: z.literal('qdrant'),
  url: z.string().url(),
  apiKey: z.string().optional(),
  collectionPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/)
    .default('strata'),
  timeoutMs: z.number().int().min(100).default(10_000),
  batchSize: z.number().int().min(1).max(10_000).default(256),
  parallelism: z.number().int().min(1).max(64).default(2),
  retries: z.number().int().min(0).max(20).default(6),
  shardNumber: z.number().int().min(1).optional(),
  replicationFactor: z.number().int().min(1).optional(),
  writeConsistencyFactor: z.number().int().min(1).optional(),
  onDiskPayload: z.boolean().default(true),
  quantization: z.enum(['none', 'int8']).default('none'),
});

const PostgresStoreSchema = z.object({
  kind: z.literal('postgres'),
  /** Connection string, e.g. postgres://strata:secret@db.internal:5432/strata (needs the `pg` package). */
  url: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'store.url must be a postgres:// or postgresql:// connection string'),
  /** Connections in the pg.Pool. */
  poolSize: z.number().int().min(1).max(1_000).default(10),
  /** Reruns of a transaction after a serialization failure or deadlock (SQLSTATE 40001/40P01). */
  retries: z.number().int().min(0).max(20).default(5),
});

export const StoreConfigSchema = z.discriminatedUnion('kind', [
  SqliteStoreSchema,
  MemoryStoreSchema,
  QdrantStoreSchema,
  PostgresStoreSchema,
]);

export const EmbedderConfigSchema = z.object({
  /** static: distilled offline table (default); use: Universal Sentence Encoder Lite (tfjs, offline);
   * onnx: transformer through @huggingface/transformers; openai: any /v1/embeddings server. */
  kind: z.enum(['static', 'use', 'onnx', 'openai', 'hash']).default('static'),
  /** Model name (onnx: hub id or folder name; openai: model parameter). */
  model: z.string().optional(),
  /** Local model directory (onnx) or file (static). */
  modelPath: z.string().optional(),
  baseUrl: z.string().url().optional(),
  apiKey: z.string().optional(),
  dimensions: z.number().int().min(1).max(8192).optional(),
  quantization: z.enum(['fp32', 'fp16', 'q8']).default('q8'),
  /** Allow downloads from a model hub (off: local files only). */
  allowRemoteModels: z.boolean().default(false),
  batchSize: z.number().int().min(1).max(2048).default(64),
  /** How long the queue waits to coalesce concurrent requests into one batch. */
  batchWindowMs: z.number().min(0).max(1000).default(2),
  /** LRU entries (0 disables); unset: 10,000, or 1,000 for the table lookups (static, hash). */
  cacheSize: z.number().int().min(0).optional(),
  timeoutMs: z.number().int().min(100).default(30_000),
});

export const ScoringConfigSchema = z.object({
  weights: z
    .object({
      relevance: z.number().min(0).default(1),
      recency: z.number().min(0).default(0.15),
      importance: z.number().min(0).default(0.15),
      reinforcement: z.number().min(0).default(0.05),
    })
    .default({ relevance: 1, recency: 0.15, importance: 0.15, reinforcement: 0.05 }),
  /** Half-life of recency decay for a memory of strength 1. */
  halfLifeDays: z.number().positive().default(30),
  /** Reciprocal rank fusion constant for hybrid search. */
  rrfK: z.number().positive().default(60),
  /** Weight of the vector list vs the keyword list in fusion (0..1). 0.3 measured best on
   * LoCoMo dev with the default static embedder (docs/benchmarks.md; flat from 0.2 to 0.4). */
  vectorWeight: z.number().min(0).max(1).default(0.3),
  /** How hybrid search fuses the lists: reciprocal rank fusion or normalized score fusion.
   * 'score' keeps how far ahead the best hit is; on LoCoMo dev it beats RRF by +2 R@10, +7 R@1. */
  fusion: z.enum(['rrf', 'score']).default('score'),
});

export const LayersConfigSchema = z.object({
  enabled: z.array(z.enum(LAYERS)).default([...LAYERS]),
  /** Optional LLM (OpenAI-compatible chat API) for semantic extraction and summaries. */
  llm: z
    .object({
      baseUrl: z.string().url(),
      apiKey: z.string().optional(),
      model: z.string(),
      timeoutMs: z.number().int().min(100).default(30_000),
    })
    .optional(),
  /** Cosine similarity above which same-layer memories merge. */
  dedupeThreshold: z.number().min(0).max(1).default(0.95),
  /** Episodic detail older than this many days may be compressed into symbolic summaries. */
  summarizeAfterDays: z.number().positive().default(30),
  /** Optional retention: delete unused, unimportant memories after this many days. */
  retentionDays: z.number().positive().optional(),
  /** Session summaries written as conversations go (docs/layers.md, "Session summaries"). */
  sessionSummaries: z
    .object({
      /**
       * Write a symbolic summary of each finished session, in the background. Off by default:
       * on LoCoMo dev their presence in the store cost answer-in-block 0.3 points (docs/layers.md).
       */
      enabled: z.boolean().default(false),
      /** A turn this many minutes after the previous one starts a new session. */
      gapMinutes: z.number().positive().default(30),
      /** A session is summarized (and a new one begins) after this many turns. */
      everyTurns: z.number().int().min(2).default(40),
      /** Sessions with fewer turns than this get no summary. */
      minTurns: z.number().int().min(1).default(2),
      /** How long a queued job waits before the worker runs it (batches a burst of turns). */
      delayMs: z.number().int().min(0).default(250),
      /** At recall, memories of a session whose summary ranks high are lifted by up to this factor (1: off). */
      lift: z.number().min(1).max(2).default(1.15),
      /**
       * Which recalls use session summaries: 'overview' questions only (default; they rank,
       * lift their session and are block lines), or 'always' (every recall ranks them and
       * lifts their sessions; block lines still only for overview questions).
       */
      recallUse: z.enum(['overview', 'always']).default('overview'),
    })
    .default({
      enabled: false,
      gapMinutes: 30,
      everyTurns: 40,
      minTurns: 2,
      delayMs: 250,
      lift: 1.15,
      recallUse: 'overview',
    }),
});

export const RecallConfigSchema = z.object({
  maxTokens: z.number().int().min(16).max(32_000).default(800),
  k: z.number().int().min(1).max(200).default(20),
  /** How recall fuses vector and keyword relevance before scoring (docs/layers.md): the
   * scoring function multiplies relevance, so it needs scores with magnitude ('score'). */
  fusion: z.enum(['rrf', 'score']).default('score'),
  /**
   * Diversity of the ranked memories (pipeline/diversify.ts): how much word overlap with a
   * memory already chosen costs, relative to the best score; 0 keeps the plain ranking.
   */
  diversity: z.number().min(0).max(2).default(0.4),
});

/** Learning from feedback (pipeline/learner.ts): per-user weights of the ranking function's signals. */
export const LearningConfigSchema = z.object({
  /** Off by default (docs/feedback.md). Feedback itself always applies. */
  enabled: z.boolean().default(false),
  /** Step size of the pairwise logistic regression: one step per feedback call. */
  rate: z.number().positive().max(1).default(0.1),
  /** L2 pull of every learned weight toward the default (0), per message: weights shrink by rate × l2. */
  l2: z.number().min(0).max(10).default(0.1),
  /** Clamps of a learned multiplier (each signal's weight, and a memory's total). */
  minWeight: z.number().positive().max(1).default(0.5),
  maxWeight: z.number().min(1).default(2),
  /** Rated messages at which a user's own weights count as much as the global prior. */
  priorEvents: z.number().min(0).default(10),
  /**
   * The bound: learned weights (and, on their own check, the learned block budget) are
   * applied only while their mean gain over the defaults on later messages (the share of
   * the rated useful memories a block of the default budget holds), less `confidence`
   * standard errors, is above `margin`.
   */
  margin: z.number().min(0).max(1).default(0),
  /** Standard errors the check's mean gain must clear (1.645: one-sided 95 %). */
  confidence: z.number().min(0).max(10).default(1.645),
  /**
   * Implicit feedback: a turn observed with `recalled` (the memories whose lines the model got
   * for that reply) rates them by the reply: used (it restates their words) = useful, the rest
   * = not useful. Off by default, like the learner (docs/feedback.md).
   */
  implicit: z.boolean().default(false),
});

/** Languages of memories and queries (docs/languages.md). */
export const LanguageConfigSchema = z.object({
  /** Detect each message's and each query's language (tinyld); off: every text is `default`. */
  detect: z.boolean().default(true),
  /** The language of a text too short or unclear to tell (and of every text with detect off). */
  default: z.enum(LANGUAGES).default('en'),
});

const ApiKeySchema = z.union([
  z.object({
    key: z.string().min(8, 'API keys must be at least 8 characters'),
    admin: z.literal(true),
    name: z.string().optional(),
  }),
  z.object({
    key: z.string().min(8, 'API keys must be at least 8 characters'),
    // The same rules as every request's userId: a key bound to "alice " would start and then fail every call.
    userId: UserIdSchema,
    name: z.string().optional(),
  }),
]);

export const ServerConfigSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8765),
  apiKeys: z.array(ApiKeySchema).default([]),
  bodyLimitBytes: z.number().int().min(1024).default(1_048_576),
  rateLimit: z
    .object({
      perKeyPerMinute: z.number().int().min(1).default(600),
      perUserPerMinute: z.number().int().min(1).default(300),
    })
    .default({ perKeyPerMinute: 600, perUserPerMinute: 300 }),
  quotas: z
    .object({
      maxMemoriesPerUser: z.number().int().min(1).default(1_000_000),
      maxBytesPerUser: z.number().int().min(1).default(1_073_741_824),
    })
    .default({ maxMemoriesPerUser: 1_000_000, maxBytesPerUser: 1_073_741_824 }),
  import: z
    .object({
      /** Imports (POST /v1/import) that may run at once; more get 429 with Retry-After. */
      maxConcurrent: z.number().int().min(1).default(2),
    })
    .default({ maxConcurrent: 2 }),
  /** OpenAI-compatible upstream for the /v1/chat/completions proxy. */
  upstream: z.object({ baseUrl: z.string().url(), apiKey: z.string().optional() }).optional(),
  backups: z
    .object({
      intervalMinutes: z.number().min(0).default(0),
      retain: z.number().int().min(1).default(7),
      dir: z.string().optional(),
    })
    .default({ intervalMinutes: 0, retain: 7 }),
  shutdownTimeoutMs: z.number().int().min(0).default(10_000),
  /** A client must send all request headers within this time, or gets 408 and the connection closes. */
  headersTimeoutMs: z.number().int().min(100).default(10_000),
  /** A client must send the whole request (headers and body) within this time, or gets 408. */
  requestTimeoutMs: z.number().int().min(100).default(30_000),
  /**
   * Host names (the Host header, without the port) the server answers besides loopback
   * (localhost, 127.0.0.1, [::1]). With no API keys only these and loopback are answered,
   * which defeats DNS rebinding; with keys an empty list means any host.
   */
  allowedHosts: z.array(z.string().min(1)).default([]),
  /** Web origins ("https://chat.example.com") whose pages may call the API (CORS); others are refused. */
  corsOrigins: z.array(z.string().url()).default([]),
  /** Serve the memory inspector page at /ui (docs/inspector.md); its API calls need a key like any client. */
  inspector: z.boolean().default(true),
  /** HTTPS from a PEM certificate (chain) and private key, read at start; plain HTTP when left out. */
  tls: z
    .object({ certFile: z.string().min(1), keyFile: z.string().min(1) })
    .strict()
    .optional(),
});

export const EncryptionConfigSchema = z.object({
  /** base64 32-byte key (AES-256-GCM). */
  key: z.string().optional(),
  keyFile: z.string().optional(),
  /** Older keys, still accepted for reading during rotation. */
  previousKeys: z.array(z.string()).default([]),
});

/** A shared scope's name: its memories live under the user id `scope:<name>`. */
export const ScopeNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a scope name is 1-63 lowercase letters, digits, _ or -');

/** A shared scope's memories live under the user id `scope:<name>`. */
export const SCOPE_PREFIX = 'scope:';

/** The user id that holds a shared scope's memories. */
export function scopeUserId(scope: string): string {
  return `${SCOPE_PREFIX}${scope}`;
}

/** Rights a peer has on a shared scope: read it from us, write it to us, or both. */
export const SCOPE_RIGHTS = ['read', 'write', 'readwrite'] as const;

export const SyncPeerSchema = z
  .object({
    /** How logs and metrics name the peer; default its url, or peer<n>. */
    name: z.string().min(1).max(64).optional(),
    /** Base URL of the peer's `strata serve`; left out, the peer only calls us (behind NAT). */
    url: z.string().url().optional(),
    /** Shared secret of this pair: sent as the bearer key when we call the peer, expected when it calls us. */
    key: z.string().min(16, 'sync.peers[].key must be at least 16 characters'),
    /** The peer's public key (base64 SPKI, from its `strata sync --identity`); left out, pinned at first contact. */
    publicKey: z.string().min(40).optional(),
    /** Users synced with this peer both ways; no other user's entries are sent or accepted. */
    users: z.array(UserIdSchema).default([]),
    /** Shared scopes (of sync.scopes) and this peer's rights on each: read, write or readwrite. */
    scopes: z.record(ScopeNameSchema, z.enum(SCOPE_RIGHTS)).default({}),
  })
  .strict();

export const SyncConfigSchema = z.object({
  /** The ed25519 instance key (PKCS#8 PEM, made with mode 0600 on first open); default instance-key.pem beside the database (in the data dir). */
  instanceKeyFile: z.string().optional(),
  peers: z.array(SyncPeerSchema).default([]),
  /** Seconds between background sync rounds in `strata serve` (0: only `strata sync`). */
  intervalSeconds: z.number().min(0).default(30),
  /** Entries per request. */
  batchSize: z.number().int().min(1).max(5_000).default(500),
  /** Per-request timeout when calling a peer. */
  timeoutMs: z.number().int().min(100).default(30_000),
  /** Shared scopes this instance takes part in (federation); recall adds them for every user. */
  scopes: z.array(ScopeNameSchema).default([]),
});

export const LimitsConfigSchema = z.object({
  maxContentBytes: z.number().int().min(1).default(32_768),
  maxBatchSize: z.number().int().min(1).default(10_000),
  maxMetadataBytes: z.number().int().min(1).default(16_384),
});

/** An OpenAI-compatible vision model that writes a one-line caption of each image (optional). */
const CaptionConfigSchema = z.object({
  /** Base URL of the API, with its version path (http://127.0.0.1:11434/v1); /chat/completions is appended. */
  baseUrl: z.string().url(),
  apiKey: z.string().optional(),
  /** A model that accepts image_url parts (llava, gpt-4o-mini, qwen2.5-vl…). */
  model: z.string().min(1),
  prompt: z
    .string()
    .min(1)
    .default('Describe this image in one short sentence for a searchable memory. Mention any visible text.'),
  timeoutMs: z.number().int().min(100).default(30_000),
});

/** Where voice becomes text: an OpenAI-compatible /audio/transcriptions endpoint or pocketsphinx installed from the OS. */
const TranscriptionConfigSchema = z
  .object({
    kind: z.enum(['openai', 'pocketsphinx']),
    /** openai: base URL with its version path (http://127.0.0.1:8080/v1); /audio/transcriptions is appended. */
    baseUrl: z.string().url().optional(),
    apiKey: z.string().optional(),
    /** openai: the model parameter (whisper-1, Systran/faster-whisper-small…). */
    model: z.string().min(1).default('whisper-1'),
    /** ISO-639-1 language hint passed to the endpoint (left out: it detects). */
    language: z.string().min(2).max(8).optional(),
    /** pocketsphinx: the program to run (Debian: apt-get install pocketsphinx pocketsphinx-en-us). */
    command: z.string().min(1).default('pocketsphinx_continuous'),
    timeoutMs: z.number().int().min(100).default(120_000),
  })
  .refine((t) => t.kind !== 'openai' || t.baseUrl !== undefined, {
    message: 'media.transcription.baseUrl is required when kind is "openai"',
    path: ['baseUrl'],
  });

/** Images and voice in messages (docs/multimodal.md): limits, URL fetching, OCR, captions, transcripts. */
export const MediaConfigSchema = z.object({
  /** Off: image and audio parts stay placeholders ("[image]") and nothing is kept. */
  enabled: z.boolean().default(true),
  /** Largest image or audio item, in bytes after base64 decoding. */
  maxBytes: z
    .number()
    .int()
    .min(1024)
    .default(10 * 1_048_576),
  /** Largest image in pixels (width × height read from the header before decoding): decompression bombs are refused. */
  maxPixels: z.number().int().min(1).default(40_000_000),
  /** Longest audio item in seconds (read from the WAV header where it has one). */
  maxAudioSeconds: z.number().positive().default(600),
  /** Media items per message; more are refused. */
  maxPerMessage: z.number().int().min(1).max(64).default(8),
  fetch: z
    .object({
      /** Fetch http(s) image URLs (off: only data URLs are read; a URL stays a placeholder). */
      enabled: z.boolean().default(false),
      timeoutMs: z.number().int().min(100).default(10_000),
      maxRedirects: z.number().int().min(0).max(10).default(3),
      /**
       * Address ranges a URL may resolve to although they are private (CIDR, e.g. "10.1.2.0/24"
       * for your own image server). Loopback, private, link-local and other special
       * addresses are refused otherwise, before any connection is made.
       */
      allowCidrs: z.array(z.string().min(3)).default([]),
    })
    .default({ enabled: false, timeoutMs: 10_000, maxRedirects: 3, allowCidrs: [] }),
  ocr: z
    .object({
      /** auto: OCR when tesseract.js is installed; on: required (an error names the package); off: never. */
      mode: z.enum(['auto', 'on', 'off']).default('auto'),
      /** Characters of recognized text kept in the memory's text (the full text, up to 4000, is in metadata). */
      maxChars: z.number().int().min(0).max(4000).default(500),
      timeoutMs: z.number().int().min(100).default(60_000),
    })
    .default({ mode: 'auto', maxChars: 500, timeoutMs: 60_000 }),
  caption: CaptionConfigSchema.optional(),
  transcription: TranscriptionConfigSchema.optional(),
});

/** The zod schema of the configuration file and `createMemory()` config, with every default; `ConfigSchema.parse({})` is the default configuration. */
export const ConfigSchema = z.object({
  dataDir: z.string().default('.strata'),
  timeZone: z.string().default('UTC'),
  store: StoreConfigSchema.default({ kind: 'sqlite', vectorPrecision: 'int8', busyTimeoutMs: 5_000 }),
  embedder: EmbedderConfigSchema.default(EmbedderConfigSchema.parse({})),
  scoring: ScoringConfigSchema.default(ScoringConfigSchema.parse({})),
  layers: LayersConfigSchema.default(LayersConfigSchema.parse({})),
  recall: RecallConfigSchema.default(RecallConfigSchema.parse({})),
  learning: LearningConfigSchema.default(LearningConfigSchema.parse({})),
  language: LanguageConfigSchema.default(LanguageConfigSchema.parse({})),
  server: ServerConfigSchema.default(ServerConfigSchema.parse({})),
  encryption: EncryptionConfigSchema.default(EncryptionConfigSchema.parse({})),
  limits: LimitsConfigSchema.default(LimitsConfigSchema.parse({})),
  media: MediaConfigSchema.default(MediaConfigSchema.parse({})),
  sync: SyncConfigSchema.default(SyncConfigSchema.parse({})),
  log: z
    .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
    .default({ level: 'info' }),
});

/** The full configuration, defaults applied (what {@link loadConfig} returns). */
export type StrataConfig = z.output<typeof ConfigSchema>;
/** The configuration as written: every field optional (what {@link createMemory} accepts). */
export type StrataConfigInput = z.input<typeof ConfigSchema>;
/** The `store` section: SQLite (default), in-memory, Qdrant or Postgres. */
export type StoreConfig = z.output<typeof StoreConfigSchema>;
/** The `media` section: limits, URL fetching, OCR, captions and transcription. */
export type MediaConfig = z.output<typeof MediaConfigSchema>;
/** The `sync` section: instance key, peers and their rights, background interval, shared scopes. */
export type SyncConfig = z.output<typeof SyncConfigSchema>;
/** One entry of `sync.peers`. */
export type SyncPeerConfig = z.output<typeof SyncPeerSchema>;
/** The `embedder` section: static (default), use, onnx, openai or hash. */
export type EmbedderConfig = z.output<typeof EmbedderConfigSchema>;
