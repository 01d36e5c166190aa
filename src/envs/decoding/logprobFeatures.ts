import type { TopK } from '../../models/ModelAdapter.js';

/** Log-probabilities below this are clamped, so features stay finite when a token has probability 0. */
export const LOGPROB_FLOOR = -30;

/** Summary of one next-token distribution used in observations. */
export interface LogprobSummary {
  /** Shannon entropy in nats (of the top-k part plus the rest mass for top-k inputs). */
  entropy: number;
  /** Largest log-probability. */
  top1: number;
  /** Gap between the two largest log-probabilities (confidence margin). */
  margin: number;
}

/**
 * Writes the `k` largest log-probabilities (normalised, descending, floored at LOGPROB_FLOOR) into
 * `out` at `offset` (skipped when `k` is 0) and returns entropy, top-1 and margin. Accepts full
 * log-probs or a top-k summary. One pass plus an insertion into a k-slot sorted buffer.
 */
export function logprobFeatures(dist: Float32Array | TopK, k: number, out: Float32Array, offset: number): LogprobSummary {
  const top = new Float64Array(Math.max(k, 2)).fill(-Infinity);
  const keep = top.length;
  const push = (v: number): void => {
    if (!(v > top[keep - 1])) return;
    let i = keep - 1;
    while (i > 0 && top[i - 1] < v) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = v;
  };
  let entropy = 0;
  let logZ: number;
  if (dist instanceof Float32Array) {
    let mx = -Infinity;
    for (let j = 0; j < dist.length; j++) if (dist[j] > mx) mx = dist[j];
    let z = 0;
    for (let j = 0; j < dist.length; j++) z += Math.exp(dist[j] - mx);
    logZ = mx + Math.log(z);
    for (let j = 0; j < dist.length; j++) {
      const lp = dist[j] - logZ;
      if (lp > -Infinity) entropy -= Math.exp(lp) * lp;
      push(lp);
    }
  } else {
    const rest = Math.max(0, dist.restMass);
    let z = rest;
    for (let j = 0; j < dist.logprobs.length; j++) z += Math.exp(dist.logprobs[j]);
    logZ = Math.log(z > 0 ? z : 1);
    for (let j = 0; j < dist.logprobs.length; j++) {
      const lp = dist.logprobs[j] - logZ;
      if (lp > -Infinity) entropy -= Math.exp(lp) * lp;
      push(lp);
    }
    if (rest > 0) entropy -= (rest / z) * Math.log(rest / z);
  }
  for (let j = 0; j < k; j++) out[offset + j] = Math.max(LOGPROB_FLOOR, top[j]);
  const top1 = Math.max(LOGPROB_FLOOR, top[0]);
  const top2 = Math.max(LOGPROB_FLOOR, top[1]);
  return { entropy, top1, margin: top1 - top2 };
}
