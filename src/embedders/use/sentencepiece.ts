/**
 * A SentencePiece unigram tokenizer: the text is NFKC-normalized, spaces become "▁" (and
 * one is prepended), and Viterbi search over a trie of the vocabulary picks the split with
 * the highest total log-probability. Characters no piece covers map to the unknown id with a
 * penalty, consecutive unknowns collapse into one. Used by the USE-lite model and by the
 * distilled static table, which must tokenize identically.
 */

export const SPACE = '▁';
const UNKNOWN_PENALTY = -20;

interface TrieNode {
  children: Map<string, TrieNode>;
  id: number;
}

export class SentencePieceTokenizer {
  readonly #root: TrieNode = { children: new Map(), id: -1 };
  readonly #scores: Float64Array;
  readonly unknownId: number;

  /** vocab: [piece, logProbability] pairs in id order (the format of USE's vocab.json). */
  constructor(vocab: ReadonlyArray<readonly [string, number]>, unknownId = 0) {
    this.#scores = new Float64Array(vocab.length);
    this.unknownId = unknownId;
    vocab.forEach(([piece, score], id) => {
      this.#scores[id] = score;
      if (id === unknownId || piece.length === 0) return;
      let node = this.#root;
      for (const ch of piece) {
        let next = node.children.get(ch);
        if (next === undefined) {
          next = { children: new Map(), id: -1 };
          node.children.set(ch, next);
        }
        node = next;
      }
      // Control symbols (<s>, </s>) have score 0 and would win every tie; skip them.
      if (!/^<\/?s>$|^extra_token_id_/.test(piece)) node.id = id;
    });
  }

  score(id: number): number {
    return this.#scores[id] ?? UNKNOWN_PENALTY;
  }

  /** Normalizes the way the model was trained: NFKC, one leading marker, spaces as markers. */
  static prepare(text: string): string {
    return SPACE + text.normalize('NFKC').trim().replace(/\s+/g, SPACE);
  }

  encode(text: string): number[] {
    const chars = Array.from(SentencePieceTokenizer.prepare(text));
    const n = chars.length;
    const best = new Float64Array(n + 1).fill(Number.NEGATIVE_INFINITY);
    const from = new Int32Array(n + 1).fill(-1);
    const pieceAt = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      const base = best[start] as number;
      if (base === Number.NEGATIVE_INFINITY) continue;
      let node: TrieNode | undefined = this.#root;
      let matched = false;
      for (let end = start; end < n && node !== undefined; end++) {
        node = node.children.get(chars[end] as string);
        if (node === undefined) break;
        if (node.id >= 0) {
          matched = true;
          const candidate = base + (this.#scores[node.id] as number);
          if (candidate > (best[end + 1] as number)) {
            best[end + 1] = candidate;
            from[end + 1] = start;
            pieceAt[end + 1] = node.id;
          }
        }
      }
      if (!matched || chars[start] === undefined) {
        const candidate = base + UNKNOWN_PENALTY;
        if (candidate > (best[start + 1] as number)) {
          best[start + 1] = candidate;
          from[start + 1] = start;
          pieceAt[start + 1] = this.unknownId;
        }
      }
    }
    const ids: number[] = [];
    for (let end = n; end > 0; end = from[end] as number) ids.push(pieceAt[end] as number);
    ids.reverse();
    return ids.filter((id, i) => !(id === this.unknownId && ids[i - 1] === this.unknownId));
  }
}
