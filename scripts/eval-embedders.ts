/**
 * Compares embedders on (a) the hand-made paraphrase set (ROC-AUC, accuracy at the best
 * threshold), (b) LoCoMo turn retrieval (recall@k of evidence turns, dense alone and fused
 * with BM25 by reciprocal rank), (c) load time, single/batched latency and RSS. Each provider
 * runs in its own child process so memory numbers do not mix.
 *
 *   npx tsx scripts/eval-embedders.ts [--provider hash|wink|use|static|onnx] [--model FILE] [--locomo FILE]
 *   npx tsx scripts/eval-embedders.ts --provider onnx --model DIR [--dtype q8|fp16|fp32]
 *
 * Without --provider it runs hash, static, wink and use, plus onnx when --onnx DIR (or
 * STRATA_TEST_ONNX_MODEL_DIR) names a local transformers.js model folder (docs/models.md).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bm25Scorer, readLocomo } from '../eval/embedders/locomo.ts';
import { bestThresholdAccuracy, recallAtK, rocAuc } from '../eval/embedders/metrics.ts';
import { PARAPHRASE_PAIRS } from '../eval/embedders/paraphrase-pairs.ts';
import { HashEmbeddingProvider } from '../src/embedders/hash/hash-provider.ts';
import { OnnxEmbeddingProvider } from '../src/embedders/onnx/onnx-provider.ts';
import { StaticEmbeddingProvider } from '../src/embedders/static/static-provider.ts';
import type { EmbeddingProvider } from '../src/embedders/types.ts';
import { UseEmbeddingProvider } from '../src/embedders/use/use-provider.ts';
import { dot } from '../src/embedders/vector-math.ts';
import { ComboProvider } from './combo-provider.ts';
import { WinkEmbeddingProvider } from './wink-provider.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string' },
    model: { type: 'string' },
    sif: { type: 'string' },
    parts: { type: 'string' },
    dtype: { type: 'string', default: 'q8' },
    onnx: { type: 'string', default: process.env.STRATA_TEST_ONNX_MODEL_DIR ?? '' },
    locomo: { type: 'string', default: '/work/shared/data/locomo/locomo-dev.json' },
  },
});

function make(name: string): EmbeddingProvider {
  if (name === 'hash') return new HashEmbeddingProvider();
  if (name === 'wink') return new WinkEmbeddingProvider();
  if (name === 'use') return new UseEmbeddingProvider();
  if (name === 'static')
    return new StaticEmbeddingProvider({
      ...(values.model ? { modelPath: values.model } : {}),
      ...(values.sif ? { sifA: Number(values.sif) } : {}),
      ...(values.parts ? { partWeights: values.parts.split(',').map(Number) } : {}),
    });
  if (name === 'onnx') {
    if (!values.model)
      throw new Error('--provider onnx needs --model DIR (a local transformers.js model folder)');
    return new OnnxEmbeddingProvider({
      modelPath: values.model,
      dtype: values.dtype as 'q8' | 'fp16' | 'fp32',
    });
  }
  if (name === 'combo')
    return new ComboProvider(make('static'), make('wink'), Number(process.env.COMBO_W ?? '1'));
  throw new Error(`unknown provider ${name}`);
}

const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)] ?? 0;
const round = (x: number, d = 1): number => Number(x.toFixed(d));

async function evaluate(name: string): Promise<Record<string, unknown>> {
  const provider = make(name);
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  await provider.load();
  const loadMs = performance.now() - t;
  const rssMB = (process.memoryUsage().rss - rss0) / 1e6;

  // (a) paraphrases
  const pairVecs = await provider.embed(PARAPHRASE_PAIRS.flatMap((p) => [p.a, p.b]));
  const scores = PARAPHRASE_PAIRS.map((_, i) =>
    dot(pairVecs[2 * i] as Float32Array, pairVecs[2 * i + 1] as Float32Array),
  );
  const labels = PARAPHRASE_PAIRS.map((p) => p.label);
  const subset = (kind: string) => {
    const idx = PARAPHRASE_PAIRS.map((p, i) => (p.label === 1 || p.kind === kind ? i : -1)).filter(
      (i) => i >= 0,
    );
    return rocAuc(
      idx.map((i) => scores[i] as number),
      idx.map((i) => labels[i] as 0 | 1),
    );
  };

  // (b) LoCoMo turn retrieval
  const convs = readLocomo(values.locomo as string);
  const ks = [1, 5, 10, 20];
  const dense: Record<number, number[]> = { 1: [], 5: [], 10: [], 20: [] };
  const hybrid: Record<number, number[]> = { 1: [], 5: [], 10: [], 20: [] };
  const bm25: Record<number, number[]> = { 1: [], 5: [], 10: [], 20: [] };
  // Score-level fusion: BM25 scaled by the query's best BM25 score, plus lambda * cosine.
  const lambdas = [0.25, 0.5, 1, 2];
  // Weighted reciprocal rank fusion: vector list weight w, keyword list 1 - w (k = 60).
  const rrfWeights = [0.3, 0.5];
  const weightedRrf: Record<string, number[]> = Object.fromEntries(rrfWeights.map((w) => [String(w), []]));
  const fusedScore: Record<string, number[]> = Object.fromEntries(lambdas.map((l) => [String(l), []]));
  const byCat: Record<number, { dense: number[]; hybrid: number[] }> = {};
  for (const conv of convs) {
    const turnVecs = await embedAll(
      provider,
      conv.turns.map((turn) => turn.text),
    );
    const bm = bm25Scorer(conv.turns.map((turn) => turn.text));
    const qVecs = await embedAll(
      provider,
      conv.questions.map((q) => q.question),
    );
    conv.questions.forEach((q, qi) => {
      const qv = qVecs[qi] as Float32Array;
      const ds = turnVecs.map((v) => dot(qv, v));
      const bs = bm(q.question);
      const order = (s: number[]) =>
        s
          .map((x, i) => [x, i] as const)
          .sort((a, b) => b[0] - a[0])
          .map(([, i]) => i);
      const dOrder = order(ds);
      const bOrder = order(bs);
      const fused = new Array<number>(ds.length).fill(0);
      dOrder.forEach((i, r) => {
        fused[i] = (fused[i] as number) + 1 / (60 + r + 1);
      });
      bOrder.forEach((i, r) => {
        if ((bs[i] as number) > 0) fused[i] = (fused[i] as number) + 1 / (60 + r + 1);
      });
      const ids = (o: number[]) => o.map((i) => conv.turns[i]?.id as string);
      const hOrder = order(fused);
      for (const w of rrfWeights) {
        const f = new Array<number>(ds.length).fill(0);
        dOrder.forEach((i, r) => {
          f[i] = (f[i] as number) + w / (60 + r + 1);
        });
        bOrder.forEach((i, r) => {
          if ((bs[i] as number) > 0) f[i] = (f[i] as number) + (1 - w) / (60 + r + 1);
        });
        weightedRrf[String(w)]?.push(recallAtK(ids(order(f)), q.evidence, 10));
      }
      const maxB = Math.max(1e-9, ...bs);
      for (const l of lambdas) {
        const sc = ds.map((d, i) => (bs[i] as number) / maxB + l * d);
        fusedScore[String(l)]?.push(recallAtK(ids(order(sc)), q.evidence, 10));
      }
      for (const k of ks) {
        dense[k]?.push(recallAtK(ids(dOrder), q.evidence, k));
        hybrid[k]?.push(recallAtK(ids(hOrder), q.evidence, k));
        bm25[k]?.push(recallAtK(ids(bOrder), q.evidence, k));
      }
      byCat[q.category] ??= { dense: [], hybrid: [] };
      byCat[q.category]?.dense.push(recallAtK(ids(dOrder), q.evidence, 10));
      byCat[q.category]?.hybrid.push(recallAtK(ids(hOrder), q.evidence, 10));
    });
  }
  const mean = (xs: number[] = []) => round((100 * xs.reduce((a, b) => a + b, 0)) / Math.max(1, xs.length));

  // (c) latency
  const sample = 'I went hiking with my sister in the mountains last weekend and it was wonderful';
  const single: number[] = [];
  for (let i = 0; i < 50; i++) {
    t = performance.now();
    await provider.embed([`${sample} ${i}`]);
    single.push(performance.now() - t);
  }
  const batchTexts = Array.from({ length: 64 }, (_, i) => `${sample} ${i + 100}`);
  const batched: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    await provider.embed(batchTexts);
    batched.push((performance.now() - t) / batchTexts.length);
  }
  return {
    provider: provider.id,
    loadMs: round(loadMs),
    rssMB: round(rssMB),
    paraphraseAuc: round(rocAuc(scores, labels), 3),
    aucVsUnrelated: round(subset('unrelated'), 3),
    aucVsRelated: round(subset('related'), 3),
    accuracyAtBest: round(bestThresholdAccuracy(scores, labels).accuracy, 3),
    locomoDense: Object.fromEntries(ks.map((k) => [`R@${k}`, mean(dense[k])])),
    locomoHybridRrf: Object.fromEntries(ks.map((k) => [`R@${k}`, mean(hybrid[k])])),
    locomoScoreFusionR10: Object.fromEntries(
      lambdas.map((l) => [`bm25+${l}*cos`, mean(fusedScore[String(l)])]),
    ),
    locomoWeightedRrfR10: Object.fromEntries(
      rrfWeights.map((w) => [`vectorWeight ${w}`, mean(weightedRrf[String(w)])]),
    ),
    locomoBm25: Object.fromEntries(ks.map((k) => [`R@${k}`, mean(bm25[k])])),
    r10ByCategory: Object.fromEntries(
      Object.entries(byCat).map(([c, v]) => [c, { dense: mean(v.dense), hybrid: mean(v.hybrid) }]),
    ),
    singleMsP50: round(pct(single, 0.5), 3),
    singleMsP95: round(pct(single, 0.95), 3),
    batchedMsPerItem: round(pct(batched, 0.5), 3),
    batchSpeedup: round(pct(single, 0.5) / pct(batched, 0.5), 1),
  };
}

async function embedAll(provider: EmbeddingProvider, texts: string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += provider.maxBatchSize) {
    out.push(...(await provider.embed(texts.slice(i, i + provider.maxBatchSize))));
  }
  return out;
}

if (values.provider) {
  console.log(JSON.stringify(await evaluate(values.provider)));
} else {
  const self = fileURLToPath(import.meta.url);
  for (const name of ['hash', 'static', 'wink', 'use', ...(values.onnx ? ['onnx'] : [])]) {
    const args = ['--import', 'tsx', self, '--provider', name, '--locomo', values.locomo as string];
    if (name === 'onnx') args.push('--model', values.onnx as string, '--dtype', values.dtype as string);
    else if (values.model) args.push('--model', values.model);
    console.log(execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 }).trim());
  }
}
