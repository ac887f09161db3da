/**
 * SPEC §8 performance targets as data, and the pass/fail check the bench prints. A target
 * whose metric was not measured in this run (e.g. 100k in --quick mode) is "n/a", never a
 * pass.
 */

export interface TargetResult {
  metric: string;
  target: string;
  measured: number | null;
  unit: string;
  status: 'pass' | 'fail' | 'n/a';
}

export interface TargetInputs {
  storeP50Ms: number | null;
  retrieveP95MsAt100k: number | null;
  modelLoadMs: number | null;
  rssMbAt100k: number | null;
  batchSpeedup: number | null;
}

function check(
  metric: string,
  target: string,
  measured: number | null,
  unit: string,
  ok: (v: number) => boolean,
): TargetResult {
  return {
    metric,
    target,
    measured,
    unit,
    status: measured === null ? 'n/a' : ok(measured) ? 'pass' : 'fail',
  };
}

export function evaluateTargets(inputs: TargetInputs): TargetResult[] {
  return [
    check('store one memory (embed + write) p50', '< 5 ms', inputs.storeP50Ms, 'ms', (v) => v < 5),
    check('retrieve top-10 p95 at 100k', '< 10 ms', inputs.retrieveP95MsAt100k, 'ms', (v) => v < 10),
    check('model load (cold)', '< 300 ms', inputs.modelLoadMs, 'ms', (v) => v < 300),
    check('resident memory with 100k memories', '< 300 MB', inputs.rssMbAt100k, 'MB', (v) => v < 300),
    check('batched vs single embedding throughput', '>= 5x', inputs.batchSpeedup, 'x', (v) => v >= 5),
  ];
}

/** What the per-turn goals (docs/performance.md, "Per-turn goals") are checked against. */
export interface GoalInputs {
  observeP95MsAt100k: number | null;
  recallP95MsAt100k: number | null;
  httpReqPerSec: number | null;
  httpP99Ms: number | null;
  heavySearchP95MsAt1M: number | null;
  heavyRecallAt10VsExact: number | null;
  rssMbAt1M: number | null;
  ingest1MSec: number | null;
  rssMbAt100k: number | null;
  /** Best batched/single speedup among providers with a per-call cost (USE, ONNX). */
  modelBatchSpeedup: number | null;
}

/**
 * The goals of the per-turn paths: observe and recall as fast as search, the HTTP server
 * under 50 users, one heavy user in a million-memory store, memory and ingest at 1M. Rows
 * that need `--http` or `--million` are "n/a" without them.
 */
export function evaluateGoals(inputs: GoalInputs): TargetResult[] {
  return [
    check('observe turn p95 at 100k', '< 10 ms', inputs.observeP95MsAt100k, 'ms', (v) => v < 10),
    check('recall p95 at 100k', '< 10 ms', inputs.recallP95MsAt100k, 'ms', (v) => v < 10),
    check(
      'HTTP 50 users, mixed turns + recall: throughput',
      '>= 500 req/s',
      inputs.httpReqPerSec,
      'req/s',
      (v) => v >= 500,
    ),
    check('HTTP 50 users, mixed turns + recall: p99', '< 100 ms', inputs.httpP99Ms, 'ms', (v) => v < 100),
    check(
      'search p95, one user owning 200k (1M store)',
      '< 10 ms',
      inputs.heavySearchP95MsAt1M,
      'ms',
      (v) => v < 10,
    ),
    check(
      'vector recall@10 vs exact, that user',
      '>= 0.98',
      inputs.heavyRecallAt10VsExact,
      '',
      (v) => v >= 0.98,
    ),
    check('RSS at 1M memories', '< 500 MB', inputs.rssMbAt1M, 'MB', (v) => v < 500),
    check('ingest 1M (addMany)', '< 120 s', inputs.ingest1MSec, 's', (v) => v < 120),
    check('RSS at 100k in the bench', '< 250 MB', inputs.rssMbAt100k, 'MB', (v) => v < 250),
    check('batch vs single embedding (USE, ONNX)', '>= 5x', inputs.modelBatchSpeedup, 'x', (v) => v >= 5),
  ];
}
