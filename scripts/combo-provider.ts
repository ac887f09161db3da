/**
 * Evaluation-only provider: the concatenation of two providers' unit vectors (the second
 * scaled by w), renormalized; used to test whether two static tables complement each other.
 */
import type { EmbeddingProvider } from '../src/embedders/types.ts';

/** Experimental: concatenation of two unit vectors (second scaled by w), renormalized. */
export class ComboProvider implements EmbeddingProvider {
  readonly id: string;
  get dimensions(): number {
    return this.a.dimensions + this.b.dimensions;
  }
  readonly maxBatchSize = 1024;
  readonly supportsParallelCalls = false;
  constructor(
    readonly a: EmbeddingProvider,
    readonly b: EmbeddingProvider,
    readonly w: number,
  ) {
    this.id = `combo(${a.id},${b.id},${w})`;
  }
  async load(): Promise<void> {
    await Promise.all([this.a.load(), this.b.load()]);
  }
  async embed(texts: string[]): Promise<Float32Array[]> {
    const [va, vb] = await Promise.all([this.a.embed(texts), this.b.embed(texts)]);
    return va.map((x, i) => {
      const out = new Float32Array(this.dimensions);
      out.set(x);
      const y = vb[i] as Float32Array;
      for (let j = 0; j < y.length; j++) out[x.length + j] = (y[j] as number) * this.w;
      const n = Math.hypot(...out) || 1;
      return out.map((v) => v / n);
    });
  }
}
