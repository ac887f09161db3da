/**
 * PCA for the distillation script: covariance of centered rows, then a cyclic Jacobi
 * eigen-decomposition (exact, dependency-free; 512×512 takes seconds). Returns the mean and
 * the top-k principal directions so rows can be projected to k dimensions.
 */

export function pca(rows: Float32Array[], k: number): { mean: Float64Array; components: Float64Array[] } {
  const n = rows[0]?.length ?? 0;
  const mean = new Float64Array(n);
  for (const r of rows) for (let i = 0; i < n; i++) mean[i] = (mean[i] as number) + (r[i] as number);
  for (let i = 0; i < n; i++) mean[i] = (mean[i] as number) / rows.length;
  const cov = new Float64Array(n * n);
  const centered = new Float64Array(n);
  for (const r of rows) {
    for (let i = 0; i < n; i++) centered[i] = (r[i] as number) - (mean[i] as number);
    for (let i = 0; i < n; i++) {
      const ci = centered[i] as number;
      const base = i * n;
      for (let j = i; j < n; j++) cov[base + j] = (cov[base + j] as number) + ci * (centered[j] as number);
    }
  }
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) cov[j * n + i] = cov[i * n + j] as number;
  const { values, vectors } = jacobi(cov, n);
  const order = Array.from(values.keys()).sort((a, b) => (values[b] as number) - (values[a] as number));
  const components = order.slice(0, k).map((col) => {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = vectors[i * n + col] as number;
    return v;
  });
  return { mean, components };
}

export function project(row: Float32Array, mean: Float64Array, components: Float64Array[]): Float32Array {
  const out = new Float32Array(components.length);
  components.forEach((c, k) => {
    let sum = 0;
    for (let i = 0; i < row.length; i++) sum += ((row[i] as number) - (mean[i] as number)) * (c[i] as number);
    out[k] = sum;
  });
  return out;
}

function jacobi(input: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(input);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += (a[p * n + q] as number) ** 2;
    if (off < 1e-18) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (Math.abs(apq) < 1e-15) continue;
        const theta = ((a[q * n + q] as number) - (a[p * n + p] as number)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i] as number;
  return { values, vectors: v };
}
