import { describe, expect, it } from 'vitest';
import { latencyStats, percentile } from '../../bench/stats.ts';
import { renderLineChart } from '../../bench/svg-chart.ts';
import { sentenceGenerator } from '../../bench/synthetic.ts';
import { evaluateGoals, evaluateTargets } from '../../bench/targets.ts';

describe('bench statistics', () => {
  it('uses nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([], 50)).toBe(0);
    const stats = latencyStats([5, 1, 3]);
    expect(stats).toMatchObject({ n: 3, p50: 3, max: 5, mean: 3 });
  });
});

describe('synthetic sentences', () => {
  it('are deterministic per seed and distinct', () => {
    const a = sentenceGenerator(1);
    const b = sentenceGenerator(1);
    const first = Array.from({ length: 200 }, () => a.next());
    expect(Array.from({ length: 200 }, () => b.next())).toEqual(first);
    expect(new Set(first).size).toBe(200);
  });
});

describe('targets', () => {
  it('passes, fails, and marks unmeasured metrics n/a', () => {
    const results = evaluateTargets({
      storeP50Ms: 2,
      retrieveP95MsAt100k: null,
      modelLoadMs: 450,
      rssMbAt100k: 120,
      batchSpeedup: 5,
    });
    expect(results.map((r) => r.status)).toEqual(['pass', 'n/a', 'fail', 'pass', 'pass']);
  });

  it('checks every per-turn goal, with rows not run marked n/a', () => {
    const results = evaluateGoals({
      observeP95MsAt100k: 9.9,
      recallP95MsAt100k: 10,
      httpReqPerSec: 500,
      httpP99Ms: null,
      heavySearchP95MsAt1M: null,
      heavyRecallAt10VsExact: 0.979,
      rssMbAt1M: 499,
      ingest1MSec: 121,
      rssMbAt100k: 249,
      modelBatchSpeedup: 1.5,
    });
    expect(results.map((r) => r.status)).toEqual([
      'pass',
      'fail',
      'pass',
      'n/a',
      'n/a',
      'fail',
      'pass',
      'fail',
      'pass',
      'fail',
    ]);
  });
});

describe('svg chart', () => {
  it('renders one path per series with escaped labels', () => {
    const svg = renderLineChart(
      [
        {
          name: 'search <p50>',
          points: [
            { x: 1000, y: 1 },
            { x: 10000, y: 2 },
            { x: 100000, y: 4 },
          ],
        },
        {
          name: 'recall',
          points: [
            { x: 1000, y: 3 },
            { x: 100000, y: 8 },
          ],
        },
      ],
      { title: 'Latency & size', xLabel: 'memories', yLabel: 'ms' },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('search &#60;p50&#62;');
    expect(svg).toContain('Latency &#38; size');
    expect(svg).toContain('>100k<');
    expect(svg).not.toContain('NaN');
  });
});
