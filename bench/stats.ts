/**
 * Measurement helpers shared by the bench: latency percentiles over repeated async ops,
 * a forced-GC memory snapshot (V8 gc exposed at run time so the bench needs no flags),
 * and rounding. Pure or nearly so, so the arithmetic is unit-tested.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface LatencyStats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function latencyStats(samples: readonly number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((acc, v) => acc + v, 0);
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50), 3),
    p95: round(percentile(sorted, 95), 3),
    p99: round(percentile(sorted, 99), 3),
    mean: round(sum / Math.max(1, sorted.length), 3),
    max: round(sorted.at(-1) ?? 0, 3),
  };
}

/** Runs `op(i)` n times sequentially and returns per-op milliseconds. */
export async function timeOps(n: number, op: (i: number) => Promise<unknown>): Promise<LatencyStats> {
  const samples: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const t0 = performance.now();
    await op(i);
    samples.push(performance.now() - t0);
  }
  return latencyStats(samples);
}

let gcFn: (() => void) | null = null;

/** A full GC when possible, so heap numbers reflect live data and not garbage. */
export function forceGc(): void {
  if (!gcFn) {
    const existing = (globalThis as { gc?: () => void }).gc;
    if (existing) gcFn = existing;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

export interface MemorySnapshot {
  rssMb: number;
  heapUsedMb: number;
  externalMb: number;
  arrayBuffersMb: number;
}

export function memorySnapshot(gc = true): MemorySnapshot {
  if (gc) forceGc();
  const m = process.memoryUsage();
  const mb = (v: number) => round(v / 1_048_576, 1);
  return {
    rssMb: mb(m.rss),
    heapUsedMb: mb(m.heapUsed),
    externalMb: mb(m.external),
    arrayBuffersMb: mb(m.arrayBuffers),
  };
}
