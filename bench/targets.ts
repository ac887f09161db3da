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
