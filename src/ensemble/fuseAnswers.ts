/**
 * Answer-level fusion (RL-Focal's Fusion): the fused distribution over a question's options is
 * Σ_i w_i·p_i, and the fused answer is its argmax.
 */

/** Mixture values within this of the best count as tied, so summation order (model order) cannot flip the answer. */
export const FUSION_TIE_TOLERANCE = 1e-9;

/** Σ_i w_i·probs[i][k] for k < numOptions, written into `out` (float64). */
export function fusedDistribution(probs: readonly ArrayLike<number>[], weights: ArrayLike<number>, numOptions: number, out: Float64Array = new Float64Array(numOptions)): Float64Array {
  for (let k = 0; k < numOptions; k++) out[k] = 0;
  for (let i = 0; i < probs.length; i++) {
    const w = weights[i];
    if (w === 0) continue;
    const p = probs[i];
    for (let k = 0; k < numOptions; k++) out[k] += w * p[k];
  }
  return out;
}

/** Index of the largest value among the first `n`; near-ties (within `FUSION_TIE_TOLERANCE`) go to the lowest index. */
export function argmaxWithTies(x: ArrayLike<number>, n = x.length): number {
  let best = 0;
  for (let k = 1; k < n; k++) if (x[k] > x[best] + FUSION_TIE_TOLERANCE) best = k;
  return best;
}

/** The fused answer: argmax over options of Σ_i w_i·probs[i] (near-ties to the lowest option index). */
export function fuseAnswer(probs: readonly ArrayLike<number>[], weights: ArrayLike<number>, numOptions: number, scratch?: Float64Array): number {
  return argmaxWithTies(fusedDistribution(probs, weights, numOptions, scratch), numOptions);
}
