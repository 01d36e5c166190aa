import { Rng } from '../../core/Rng.js';

/** How a model's hidden state is brought to the observation width. */
export type ProjectionMode = 'random' | 'pad';

/**
 * Maps a hidden state of `inDim` floats to `outDim` floats: a fixed Gaussian random projection
 * (entries N(0, 1/inDim), so unit-scale inputs give unit-scale outputs; Johnson-Lindenstrauss keeps
 * distances) or plain pad/truncate. The matrix depends only on `seed`, never on the episode seed,
 * so the same hidden state always gives the same observation.
 */
export class HiddenProjection {
  /** float32 values held as float64, so the inner loop reads doubles directly (same products and sums as float32 storage). */
  private readonly matrix?: Float64Array;
  /** The input converted to float64 once per call instead of once per output row. */
  private readonly input: Float64Array;

  /** `seed` fixes the random matrix (use one per model). */
  constructor(
    readonly inDim: number,
    readonly outDim: number,
    readonly mode: ProjectionMode,
    seed: number | string,
  ) {
    if (mode === 'random' && inDim > 0) {
      const rng = new Rng(seed);
      const scale = 1 / Math.sqrt(inDim);
      this.matrix = new Float64Array(Float32Array.from({ length: inDim * outDim }, () => rng.normal() * scale));
    }
    this.input = new Float64Array(this.matrix ? inDim : 0);
  }

  /** Writes the projection of `hidden` into `out` at `offset` (`outDim` floats). */
  apply(hidden: Float32Array, out: Float32Array, offset: number): void {
    const { inDim, outDim, matrix } = this;
    if (!matrix) {
      const n = Math.min(inDim, outDim, hidden.length);
      for (let j = 0; j < outDim; j++) out[offset + j] = j < n ? hidden[j] : 0;
      return;
    }
    const x = this.input;
    for (let i = 0; i < inDim; i++) x[i] = hidden[i];
    // Four rows at a time: four independent sums hide the latency of each add, and every row still
    // sums its products in the same order as a plain dot product, so the results are bit-identical.
    let j = 0;
    for (; j + 4 <= outDim; j += 4) {
      const r0 = j * inDim;
      const r1 = r0 + inDim;
      const r2 = r1 + inDim;
      const r3 = r2 + inDim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let i = 0; i < inDim; i++) {
        const xi = x[i];
        s0 += matrix[r0 + i] * xi;
        s1 += matrix[r1 + i] * xi;
        s2 += matrix[r2 + i] * xi;
        s3 += matrix[r3 + i] * xi;
      }
      out[offset + j] = s0;
      out[offset + j + 1] = s1;
      out[offset + j + 2] = s2;
      out[offset + j + 3] = s3;
    }
    for (; j < outDim; j++) {
      let s = 0;
      const row = j * inDim;
      for (let i = 0; i < inDim; i++) s += matrix[row + i] * x[i];
      out[offset + j] = s;
    }
  }
}
