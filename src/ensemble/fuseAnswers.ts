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
 * The items of `bestFixedWeights` laid out for scoring many weightings: those whose fused answer may
 * depend on the weights, with every (item, option) pair in a row of one array per model (models past an
 * item's own are zero, which adds nothing), and how many of the others are right.
 */
interface WeightGridItems {
  readonly numOptions: Int32Array;
  readonly label: Int32Array;
  /** `byModel[i][r]`: model i's score of (item, option) pair r; an item's options are consecutive. */
  readonly byModel: Float64Array[];
  /** Right answers among the items whose fused answer is the same under every weighting. */
  readonly constantRight: number;
}

/**
 * The option every model ranks first by more than `FUSION_TIE_TOLERANCE` plus a rounding margin, or −1.
 * Then Σ_i w_i·p_i puts that option ahead of every other by more than the tolerance for all weights on
 * the simplex (the gap is a convex mix of the models' gaps), so the fused answer is it under every weighting.
 */
function unanimousTop(it: FusableItem): number {
  const K = it.numOptions;
  let scale = 0;
  for (const p of it.probs) for (let k = 0; k < K; k++) scale = Math.max(scale, Math.abs(p[k]));
  // [fuse] float sums of a few products err by far less than 1e-9 of their largest term.
  const margin = 2 * FUSION_TIE_TOLERANCE + 1e-9 * scale;
  let top = -1;
  for (const p of it.probs) {
    let t = 0;
    for (let k = 1; k < K; k++) if (p[k] > p[t]) t = k;
    if (top === -1) top = t;
    if (t !== top) return -1;
    for (let k = 0; k < K; k++) if (k !== t && !(p[t] - p[k] > margin)) return -1;
  }
  return top;
}

function weightGridItems(items: readonly FusableItem[], numModels: number): WeightGridItems {
  let constantRight = 0;
  const kept: FusableItem[] = [];
  for (const it of items) {
    // [fuse] with more models than weights, fusedDistribution multiplies by an undefined weight: NaN everywhere, answer 0.
    const fixed = it.numOptions <= 1 || it.probs.length > numModels ? 0 : unanimousTop(it);
    if (fixed === -1) kept.push(it);
    else if (fixed === it.label) constantRight++;
  }
  const numOptions = Int32Array.from(kept, (it) => it.numOptions);
  const label = Int32Array.from(kept, (it) => it.label);
  const rows = numOptions.reduce((a, b) => a + b, 0);
  const byModel = Array.from({ length: numModels }, () => new Float64Array(rows));
  let r = 0;
  for (const it of kept) {
    for (let i = 0; i < it.probs.length; i++) for (let k = 0; k < it.numOptions; k++) byModel[i][r + k] = it.probs[i][k];
    r += it.numOptions;
  }
  return { numOptions, label, byModel, constantRight };
}

/**
 * Right answers among `g`'s items when the fused scores are `prefix` + wa·pa + wb·pb (near-ties go to
 * the lowest option). A zero weight must come with `zeros` as its scores: adding +0 leaves every sum as
 * it is, as skipping the model in `fusedDistribution` does, whatever the skipped scores hold.
 */
function weightGridRight(g: WeightGridItems, prefix: Float64Array, wa: number, pa: Float64Array, wb: number, pb: Float64Array): number {
  const { numOptions, label } = g;
  let right = 0;
  let r = 0;
  for (let j = 0; j < numOptions.length; j++) {
    const end = r + numOptions[j];
    let bestValue = prefix[r] + wa * pa[r] + wb * pb[r];
    let best = 0;
    for (let k = 1, q = r + 1; q < end; k++, q++) {
      const s = prefix[q] + wa * pa[q] + wb * pb[q];
      if (s > bestValue + FUSION_TIE_TOLERANCE) {
        best = k;
        bestValue = s;
      }
    }
    if (best === label[j]) right++;
    r = end;
  }
  return right;
}

/**
 * The best fixed weighting on a grid of the simplex (all weights multiples of 1/`steps`) and its
 * accuracy on `items`: the "best fixed weights" baseline. Ties keep the first grid point found
 * (grid order: lexicographic in the weights of models 0, 1, ...). The grid has C(steps+N−1, N−1) points.
 * Each point's accuracy is exactly `fusionAccuracy(items, weights)`.
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
  // [fuse] items whose answer no weighting changes are counted once, not at each grid point.
  const grid = weightGridItems(items, numModels);
  const rows = grid.byModel[0].length;
  // [fuse] Σ_i w_i·p_i summed in model order: the partial sum over models 0..i is shared by every grid
  // point with those first weights, so it is kept per depth and the last two models are added per point.
  const zeros = new Float64Array(rows);
  const partial = Array.from({ length: Math.max(0, numModels - 2) }, () => new Float64Array(rows));
  let best = { weights: Array(numModels).fill(1 / numModels) as number[], accuracy: -1 };
  const counts = new Int32Array(numModels);
  const score = (right: number): void => {
    const acc = items.length === 0 ? 0 : (grid.constantRight + right) / items.length;
    if (acc > best.accuracy) best = { weights: Array.from(counts, (c) => c / steps), accuracy: acc };
  };
  const visit = (i: number, left: number, prefix: Float64Array): void => {
    if (i === numModels - 2) {
      for (let c = 0; c <= left; c++) {
        counts[i] = c;
        counts[i + 1] = left - c;
        const wa = c / steps;
        const wb = (left - c) / steps;
        score(weightGridRight(grid, prefix, wa, wa === 0 ? zeros : grid.byModel[i], wb, wb === 0 ? zeros : grid.byModel[i + 1]));
      }
      return;
    }
    for (let c = 0; c <= left; c++) {
      counts[i] = c;
      const w = c / steps;
      let next = prefix;
      if (w !== 0) {
        next = partial[i];
        const p = grid.byModel[i];
        for (let r = 0; r < rows; r++) next[r] = prefix[r] + w * p[r];
      }
      visit(i + 1, left - c, next);
    }
  };
  if (numModels === 1) {
    counts[0] = steps;
    score(weightGridRight(grid, zeros, 0, zeros, 1, grid.byModel[0]));
  } else visit(0, steps, zeros);
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
