/**
 * The offline default embedder: a static table distilled from USE-lite, with a second part
 * of wink-embeddings word vectors (scripts/distill-static.ts → models/*.bin). A text's vector is the SIF-weighted mean of its
 * words' rows (weight a/(a+p(word)), so frequent function words count little), with unknown
 * words split into SentencePiece pieces; then unit length. No model runtime: loading is
 * reading one file of a few MB, and embedding is a few table lookups (microseconds).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelMissingError } from '../../errors.ts';
import { packagePath } from '../../util/package-root.ts';
import { normalizeRange, words } from '../text/hashing.ts';
import type { EmbeddingProvider } from '../types.ts';
import { SentencePieceTokenizer } from '../use/sentencepiece.ts';
import { decodeStaticModel, peekStaticModelId } from './model-file.ts';
import { accumulateRows, scaleRange } from './table-math.ts';

export const DEFAULT_STATIC_MODEL = packagePath('models/strata-static-use-wink-228.bin');
const DEFAULT_ID = 'strata-static-use-wink-228@1';
const DEFAULT_DIMS = 228;
/** SIF smoothing: higher keeps more weight on frequent words. */
const SIF_A = 1e-3;
/**
 * Unknown words (names, numbers, typos) remembered with their SentencePiece rows: the
 * Viterbi split costs more than the rows it adds, and chat repeats the same names. Bounded
 * so a stream of random tokens cannot grow it without limit (it is simply cleared when full;
 * full, it holds ~1 MB: plain arrays, half the size of Int32Arrays).
 */
const PIECE_MEMO_LIMIT = 8_192;

export interface StaticProviderOptions {
  modelPath?: string;
  sifA?: number;
  /** Relative weight of each part of a multi-part table (default: the header's, else equal). */
  partWeights?: number[];
}

/** What embedding needs from a loaded table, flattened so the hot loop reads locals. */
interface LoadedTable {
  dims: number;
  data: Int8Array;
  scales: Float32Array;
  /** SIF weight per word row. */
  weights: Float32Array;
  wordRows: Map<string, number>;
  wordCount: number;
  tokenizer: SentencePieceTokenizer;
  /** [start, end, weight] per independently normalized part; empty for one-part tables. */
  parts: Array<[number, number, number]>;
}

export class StaticEmbeddingProvider implements EmbeddingProvider {
  readonly maxBatchSize = 1024;
  readonly supportsParallelCalls = false;
  readonly #path: string;
  readonly #sifA: number;
  readonly #partWeights: number[] | undefined;
  #table: LoadedTable | null = null;
  #pieceMemo = new Map<string, number[]>();
  /** Scratch: table offset and scale of each row of the text being embedded. */
  #offsets = new Int32Array(64);
  #scales = new Float64Array(64);
  #id: string;
  #dims: number;

  constructor(options: StaticProviderOptions = {}) {
    this.#path = path.resolve(options.modelPath ?? DEFAULT_STATIC_MODEL);
    this.#sifA = options.sifA ?? SIF_A;
    this.#partWeights = options.partWeights;
    // The id must be right before load(): stores may record it. A custom table's header says it.
    const peeked = options.modelPath === undefined ? null : peekStaticModelId(this.#path);
    this.#id =
      peeked?.id ??
      (options.modelPath === undefined ? DEFAULT_ID : `strata-static:${path.basename(this.#path)}`);
    this.#dims = peeked?.dimensions ?? (options.modelPath === undefined ? DEFAULT_DIMS : 0);
  }

  get id(): string {
    return this.#id;
  }

  get dimensions(): number {
    return this.#dims;
  }

  async load(): Promise<void> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(this.#path);
    } catch (error) {
      throw new ModelMissingError(
        `Static embedding table ${this.#path} is missing. It ships in the repository under models/; restore it with \`git checkout models/\` or regenerate it with \`npx tsx scripts/distill-static.ts --out ${this.#path}\`.`,
        { cause: error, details: { path: this.#path } },
      );
    }
    const model = decodeStaticModel(bytes, this.#path);
    const { header } = model;
    const weights = new Float32Array(model.rows);
    for (let row = 0; row < model.rows; row++) {
      weights[row] = this.#sifA / (this.#sifA + Math.exp(model.logFreq[row] as number));
    }
    const parts: Array<[number, number, number]> = [];
    if (header.parts !== undefined && header.parts.length > 1) {
      const partWeights = this.#partWeights ?? header.partWeights;
      let offset = 0;
      header.parts.forEach((size, i) => {
        parts.push([offset, offset + size, partWeights?.[i] ?? 1]);
        offset += size;
      });
    }
    this.#table = {
      dims: header.dimensions,
      data: model.data,
      scales: model.scales,
      weights,
      wordRows: new Map(header.words.map((word, row) => [word, row])),
      wordCount: header.words.length,
      tokenizer: new SentencePieceTokenizer(header.pieces, header.unknownPieceId),
      parts,
    };
    this.#pieceMemo = new Map();
    this.#id = header.id;
    this.#dims = header.dimensions;
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const table = this.#loaded();
    const { dims } = table;
    // One buffer for the batch and a view per text: one allocation instead of one per text
    // (~10 % of a text's cost). The core copies what it keeps, so no view outlives its caller.
    const buffer = new Float32Array(dims * texts.length);
    const out = new Array<Float32Array>(texts.length);
    for (let i = 0; i < texts.length; i++) {
      const vector = buffer.subarray(i * dims, (i + 1) * dims);
      this.#embedInto(table, texts[i] as string, vector);
      out[i] = vector;
    }
    return out;
  }

  embedOne(text: string): Float32Array {
    const table = this.#loaded();
    const vector = new Float32Array(table.dims);
    this.#embedInto(table, text, vector);
    return vector;
  }

  #loaded(): LoadedTable {
    if (this.#table === null) throw new Error('static provider used before load()');
    return this.#table;
  }

  /** Sums the rows into a zeroed `out` and normalizes it (the order of additions is fixed). */
  #embedInto(table: LoadedTable, text: string, out: Float32Array): void {
    const { dims, scales, weights, wordRows } = table;
    // Gather (offset, scale) per row first, so rows can be summed two at a time.
    let count = 0;
    for (const word of words(text)) {
      const row = wordRows.get(word);
      if (row !== undefined) {
        this.#reserve(count + 1);
        this.#offsets[count] = row * dims;
        this.#scales[count++] = (scales[row] as number) * (weights[row] as number);
        continue;
      }
      // Unknown word (a name, a typo, a rare term): its pieces share the weight of one rare word.
      const pieces = this.#piecesOf(table, word);
      const share = 1 / pieces.length;
      this.#reserve(count + pieces.length);
      for (let k = 0; k < pieces.length; k++) {
        const piece = pieces[k] as number;
        this.#offsets[count] = piece * dims;
        this.#scales[count++] = (scales[piece] as number) * share;
      }
    }
    accumulateRows(out, table.data, this.#offsets, this.#scales, count, dims);
    // Multi-part tables (e.g. USE view + word-vector view): each part is normalized on its
    // own so neither dominates, then the whole vector is made unit length.
    for (const [start, end, weight] of table.parts) {
      normalizeRange(out, start, end);
      if (weight !== 1) scaleRange(out, start, end, weight);
    }
    normalizeRange(out, 0, dims);
  }

  /** Grows the reused per-text row lists (never shrinks; a long text sizes them once). */
  #reserve(size: number): void {
    if (size <= this.#offsets.length) return;
    const capacity = Math.max(size, this.#offsets.length * 2);
    const offsets = new Int32Array(capacity);
    offsets.set(this.#offsets);
    const scales = new Float64Array(capacity);
    scales.set(this.#scales);
    this.#offsets = offsets;
    this.#scales = scales;
  }

  /** Table rows of an unknown word's SentencePiece pieces (unknown pieces dropped), memoized. */
  #piecesOf(table: LoadedTable, word: string): number[] {
    const memo = this.#pieceMemo.get(word);
    if (memo !== undefined) return memo;
    const { tokenizer, wordCount } = table;
    const ids = tokenizer.encode(word).filter((id) => id !== tokenizer.unknownId);
    const rows = ids.map((id) => wordCount + id);
    if (this.#pieceMemo.size >= PIECE_MEMO_LIMIT) this.#pieceMemo.clear();
    this.#pieceMemo.set(word, rows);
    return rows;
  }

  async dispose(): Promise<void> {
    this.#table = null;
    this.#pieceMemo = new Map();
  }
}
