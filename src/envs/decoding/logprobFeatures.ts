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
  /** For full log-probs: Σ exp(v − max v) over the entries, added in index order (the sum `mixDistributions` takes as `expSums`). */
  expSum: number;
}

/** Inserts `v` into the descending buffer `top` (length `n`) if it beats the smallest entry. */
function insertTop(top: Float64Array, n: number, v: number): void {
  if (!(v > top[n - 1])) return;
  let i = n - 1;
  while (i > 0 && top[i - 1] < v) {
    top[i] = top[i - 1];
    i--;
  }
  top[i] = v;
}

const scratch = { top: new Float64Array(2) };

/**
 * Writes the `k` largest log-probabilities (normalised, descending, floored at LOGPROB_FLOOR) into
 * `out` at `offset` (nothing when `k` is 0) and returns entropy, top-1 and margin. Accepts full
 * log-probs or a top-k summary. Two passes over the vocabulary (the top entries, then the
 * exponentials), no allocation once warmed up.
 * For full log-probs, `exps` (when given, at least as long) receives exp(v − max v) per entry: the
 * terms `mixDistributions` would compute again for the same distribution (pass them as its `exps`).
 */
export function logprobFeatures(dist: Float32Array | TopK, k: number, out: Float32Array, offset: number, exps?: Float64Array): LogprobSummary {
  const n = Math.max(k, 2);
  if (scratch.top.length < n) scratch.top = new Float64Array(n);
  const top = scratch.top;
  top.fill(-Infinity, 0, n);
  const values = dist instanceof Float32Array ? dist : dist.logprobs;
  const rest = dist instanceof Float32Array ? 0 : Math.max(0, dist.restMass);
  const len = values.length;
  // First pass: the n largest entries (NaN never enters), so the maximum is top[0]; the smallest kept
  // one sits in a local, as the array read per entry cost more than the comparison.
  let least = -Infinity;
  for (let j = 0; j < len; j++) {
    const v = values[j];
    if (v > least) {
      insertTop(top, n, v);
      least = top[n - 1];
    }
  }
  const mx = top[0];
  // Σ p·log p over the entries, with p = exp(v - logZ): accumulate Σ e·(v - mx) and Σ e in one pass
  // (two copies of the loop, so the one that keeps the exponentials tests nothing per entry).
  let z = 0;
  let ev = 0;
  if (exps !== undefined && dist instanceof Float32Array) {
    for (let j = 0; j < len; j++) {
      const d = values[j] - mx;
      const e = Math.exp(d);
      exps[j] = e;
      z += e;
      if (e > 0) ev += e * d;
    }
  } else {
    for (let j = 0; j < len; j++) {
      const d = values[j] - mx;
      const e = Math.exp(d);
      z += e;
      if (e > 0) ev += e * d;
    }
  }
  let logZ: number;
  let entropy: number;
  if (dist instanceof Float32Array) {
    logZ = mx + Math.log(z);
    entropy = Math.log(z) - ev / z;
  } else {
    // Top-k scores are log-probs already; normalise together with the rest mass.
    const zTop = z * Math.exp(mx);
    const total = zTop + rest > 0 ? zTop + rest : 1;
    logZ = Math.log(total);
    const topEntropyPart = -(Math.exp(mx) * (ev + z * (mx - logZ))) / total;
    entropy = topEntropyPart + (rest > 0 ? -(rest / total) * Math.log(rest / total) : 0);
  }
  if (!Number.isFinite(mx)) {
    entropy = 0;
    logZ = 0;
  }
  for (let j = 0; j < k; j++) out[offset + j] = Math.max(LOGPROB_FLOOR, top[j] - logZ);
  const top1 = Math.max(LOGPROB_FLOOR, top[0] - logZ);
  const top2 = Math.max(LOGPROB_FLOOR, top[1] - logZ);
  return { entropy, top1, margin: top1 - top2, expSum: z };
}
