import { preview } from '../core/errors.js';
import { EnsembleInputError } from './EnsembleInputError.js';

/**
 * Answer-level fusion (RL-Focal's Fusion): the fused distribution over a question's options is
 * Σ_i w_i·p_i, and the fused answer is its argmax.
 */

/** Mixture values within this of the best count as tied, so summation order (model order) cannot flip the answer. */
export const FUSION_TIE_TOLERANCE = 1e-9;

/** Σ_i w_i·probs[i][k] for k < numOptions, written into `out` (float64). */
export function fusedDistribution(
  probs: readonly ArrayLike<number>[],
  weights: ArrayLike<number>,
  numOptions: number,
  out: Float64Array = new Float64Array(numOptions),
): Float64Array {
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

/** What fusion needs of a recorded question: each model's distribution over its options, and the right option. */
export interface FusableItem {
  readonly probs: readonly ArrayLike<number>[];
  readonly numOptions: number;
  readonly label: number;
}

/** Fraction of `items` whose fused answer under the fixed `weights` is right (0 for no items). */
export function fusionAccuracy(items: readonly FusableItem[], weights: ArrayLike<number>): number {
  if (items.length === 0) return 0;
  let right = 0;
  let scratch = new Float64Array(0);
  for (const it of items) {
    if (scratch.length < it.numOptions) scratch = new Float64Array(it.numOptions);
    if (fuseAnswer(it.probs, weights, it.numOptions, scratch) === it.label) right++;
  }
  return right / items.length;
}

/**
 * The best fixed weighting on a grid of the simplex (all weights multiples of 1/`steps`) and its
 * accuracy on `items`: the "best fixed weights" baseline. Ties keep the first grid point found
 * (grid order: lexicographic in the weights of models 0, 1, ...). The grid has C(steps+N−1, N−1) points.
 */
export function bestFixedWeights(items: readonly FusableItem[], numModels: number, steps = 20): { weights: number[]; accuracy: number } {
  if (!Number.isInteger(numModels) || numModels < 1)
    throw new EnsembleInputError(
      'bestFixedWeights',
      'numModels',
      `must be a positive integer, got ${preview(numModels)}`,
      'Pass the number of models whose answers the items hold.',
    );
  if (!Number.isInteger(steps) || steps < 1)
    throw new EnsembleInputError(
      'bestFixedWeights',
      'steps',
      `must be a positive integer, got ${preview(steps)}`,
      'Pass a grid resolution such as 20 (weights in multiples of 1/steps).',
    );
  let best = { weights: Array(numModels).fill(1 / numModels) as number[], accuracy: -1 };
  const counts = new Array<number>(numModels).fill(0);
  const visit = (i: number, left: number): void => {
    if (i === numModels - 1) {
      counts[i] = left;
      const w = counts.map((c) => c / steps);
      const acc = fusionAccuracy(items, w);
      if (acc > best.accuracy) best = { weights: w, accuracy: acc };
      return;
    }
    for (let c = 0; c <= left; c++) {
      counts[i] = c;
      visit(i + 1, left - c);
    }
  };
  visit(0, steps);
  return best;
}

/**
 * How the fusion agents' actions become the team answer (every answer env's `fusion` option):
 * - `'weights'`: one number per agent, turned into a weight on the simplex (`actionParam`); answer = argmax Σ_i w_i·p_i.
 * - `'votes'`: one logit per option (K = maxOptions; entries past the item's options are ignored); answer = argmax Σ_i votes_i.
 * - `'calibrated'`: per-model calibration `[log-temperature, bias per option (K)]`; votes_i(k) = e^τ_i·log p_i(k) + b_i(k), answer = argmax Σ_i votes_i.
 * - `'linear'`: three coefficients `[a, b, c]`; votes_i(k) = a·s_i(k) + b·p_i(k) + (1 + c)·ℓ_i(k) with s the recorded
 *   score, p the normalised one and ℓ = log(max(p, 1e-4)) / log(1e4) (zero actions: the product of experts). The
 *   per-model part of stacking in 3 numbers, so exploration noise stays low.
 */
export type FusionMode = 'weights' | 'votes' | 'calibrated' | 'linear';

/** The fusion modes, in documentation order. */
export const FUSION_MODES: readonly FusionMode[] = ['weights', 'votes', 'calibrated', 'linear'];

/** Scores are floored at this before the log of `'linear'` votes. */
export const LINEAR_SCORE_FLOOR = 1e-4;

/** `'linear'` votes of one model for k < numOptions from `action` = [a, b, c], its recorded `scores` and normalised `probs`. */
export function linearVotes(
  scores: ArrayLike<number>,
  probs: ArrayLike<number>,
  action: ArrayLike<number>,
  numOptions: number,
  out: Float64Array = new Float64Array(numOptions),
): Float64Array {
  const scale = -Math.log(LINEAR_SCORE_FLOOR);
  for (let k = 0; k < numOptions; k++)
    out[k] = action[0] * scores[k] + action[1] * probs[k] + ((1 + action[2]) * Math.log(Math.max(probs[k], LINEAR_SCORE_FLOOR))) / scale;
  return out;
}

/** Log-temperatures of `'calibrated'` actions are clamped to ±this, so e^τ stays finite (e^5 ≈ 148). */
export const MAX_LOG_TEMPERATURE = 5;

/** Scores are floored at this before the log of `'calibrated'` votes, so a zero score gives a finite vote. */
export const MIN_CALIBRATED_SCORE = 1e-6;

/** Calibrated votes of one model: e^clamp(τ)·log(max(p_k, MIN_CALIBRATED_SCORE)) + bias_k for k < numOptions, where `action` = [τ, bias_0, ...]. */
export function calibratedVotes(
  probs: ArrayLike<number>,
  action: ArrayLike<number>,
  numOptions: number,
  out: Float64Array = new Float64Array(numOptions),
): Float64Array {
  const scale = Math.exp(Math.min(Math.max(action[0], -MAX_LOG_TEMPERATURE), MAX_LOG_TEMPERATURE));
  for (let k = 0; k < numOptions; k++) out[k] = scale * Math.log(Math.max(probs[k], MIN_CALIBRATED_SCORE)) + action[1 + k];
  return out;
}

/** Σ over included models (all when `include` is absent) of `votes[i][k]` for k < numOptions, written into `out` (float64). */
export function summedVotes(
  votes: readonly ArrayLike<number>[],
  numOptions: number,
  include?: ArrayLike<number>,
  out: Float64Array = new Float64Array(numOptions),
): Float64Array {
  for (let k = 0; k < numOptions; k++) out[k] = 0;
  for (let i = 0; i < votes.length; i++) {
    if (include !== undefined && include[i] === 0) continue;
    const v = votes[i];
    for (let k = 0; k < numOptions; k++) out[k] += v[k];
  }
  return out;
}

/** softmax(x[0..n))[k], computed stably (1 when only one option exists). */
export function softmaxAt(x: ArrayLike<number>, n: number, k: number): number {
  let mx = -Infinity;
  for (let j = 0; j < n; j++) if (x[j] > mx) mx = x[j];
  let z = 0;
  for (let j = 0; j < n; j++) z += Math.exp(x[j] - mx);
  return Math.exp(x[k] - mx) / z;
}
