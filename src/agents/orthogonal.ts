import type { Rng } from '../core/Rng.js';

/**
 * A `rows × cols` matrix (row-major) with orthonormal rows or columns scaled by `gain`, drawn from `rng`
 * (modified Gram-Schmidt on a Gaussian matrix): the CleanRL/PPO initialisation, reproducible from a seed.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.max(rows, cols);
  const k = Math.min(rows, cols);
  // k orthonormal vectors of length n
  const q: Float64Array[] = [];
  while (q.length < k) {
    const v = Float64Array.from({ length: n }, () => rng.normal());
    for (const u of q) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += u[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= dot * u[i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    if (norm < 1e-8) continue;
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
  }
  return out;
}
