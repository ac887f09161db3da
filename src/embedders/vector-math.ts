/**
 * Small vector helpers shared by embedders, evaluations and benchmarks (cosine of unit or
 * non-unit vectors). Stores have their own optimized kernels; these favour clarity.
 */

export function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  const denom = Math.sqrt(dot(a, a) * dot(b, b));
  return denom === 0 ? 0 : dot(a, b) / denom;
}
