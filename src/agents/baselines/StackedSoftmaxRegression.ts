import { ConfigError } from '../../core/errors.js';
import type { AnswerItem } from '../../envs/answerData.js';
import { STACKING_FEATURES_PER_MODEL as PER_MODEL, StackingFeatures, writeStackingFeatures } from './StackingFeatures.js';

/** Options of `StackedSoftmaxRegression.fit` (defaults in brackets). */
export interface StackedSoftmaxOptions {
  /** Models whose answers the items hold. */
  readonly numModels: number;
  /** Largest option count (width of the option-bias one-hot). */
  readonly maxOptions: number;
  /** L2 penalty on the per-model coefficients (biases are not penalised) [1e-2]. */
  readonly l2?: number;
  /** Full-batch gradient steps [200]. */
  readonly iterations?: number;
  /** Adam step size [0.1]. */
  readonly learningRate?: number;
  /** Fit a bias per option position (a prior over the options) [true]. */
  readonly optionBias?: boolean;
}

/**
 * Stacking as a multinomial logistic regression over an item's options: option k scores
 * Σ_i (a_i·s_i(k) + b_i·p_i(k) + c_i·log p_i(k)) + bias_k (s: recorded score, p: normalised), the
 * answer is the top-scoring option. The score is a sum of per-model terms, so it is also a `'votes'`
 * fusion. Fitted by deterministic full-batch Adam on the cross-entropy plus L2.
 */
export class StackedSoftmaxRegression {
  private constructor(
    readonly coef: Float64Array,
    readonly numModels: number,
    readonly maxOptions: number,
  ) {}

  /** Fits on `items` (at least one); throws `ConfigError` naming a bad option. */
  static fit(items: readonly AnswerItem[], opts: StackedSoftmaxOptions): StackedSoftmaxRegression {
    return StackedSoftmaxRegression.fitOn(StackingFeatures.of(items, opts.numModels), Int32Array.from(items.keys()), opts);
  }

  /**
   * Fits on the items `subset` (indices into `features`, at least one) lays out, in that order: the same
   * fit as `fit` on those items. Throws `ConfigError` naming a bad option.
   */
  static fitOn(features: StackingFeatures, subset: ArrayLike<number>, opts: StackedSoftmaxOptions): StackedSoftmaxRegression {
    const { numModels: n, maxOptions: kMax, l2 = 1e-2, iterations = 200, learningRate = 0.1, optionBias = true } = opts;
    if (subset.length === 0) throw new ConfigError('items', 'is empty', 'Fit on at least one train item.');
    if (!(l2 >= 0)) throw new ConfigError('l2', `must be >= 0, got ${l2}`, 'Use e.g. 1e-2.');
    if (features.numModels !== n)
      throw new ConfigError('numModels', `is ${n} but the features were laid out for ${features.numModels}`, 'Lay out the features with the same numModels.');
    if (features.maxOptions > kMax)
      throw new ConfigError('maxOptions', `is ${kMax} but an item has ${features.maxOptions} options`, 'Pass the largest option count of the items.');
    const dim = PER_MODEL * n + kMax;
    const penalised = PER_MODEL * n;
    const { values: x, start, label } = features;
    const w = new Float64Array(dim);
    const m = new Float64Array(dim);
    const v = new Float64Array(dim);
    const g = new Float64Array(dim);
    const z = new Float64Array(kMax);
    const b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8;
    // [stacking] an option's feature vector is its per-model features, then a one-hot of its index: the
    // dot product and the gradient touch the one-hot's single 1 only (adding w·0 or err·0 changes no sum).
    for (let t = 1; t <= iterations; t++) {
      g.fill(0);
      for (let q = 0; q < subset.length; q++) {
        const j = subset[q];
        const r0 = start[j];
        const K = start[j + 1] - r0;
        let mx = -Infinity;
        for (let k = 0; k < K; k++) {
          const o = (r0 + k) * penalised;
          let s = 0;
          for (let d = 0; d < penalised; d++) s += w[d] * x[o + d];
          s += w[penalised + k];
          z[k] = s;
          if (s > mx) mx = s;
        }
        let sum = 0;
        for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k] - mx);
        for (let k = 0; k < K; k++) {
          const err = z[k] / sum - (k === label[j] ? 1 : 0);
          if (err === 0) continue;
          const o = (r0 + k) * penalised;
          for (let d = 0; d < penalised; d++) g[d] += err * x[o + d];
          g[penalised + k] += err;
        }
      }
      if (!optionBias) g.fill(0, penalised);
      for (let d = 0; d < dim; d++) {
        const gd = g[d] / subset.length + (d < penalised ? l2 * w[d] : 0);
        m[d] = b1 * m[d] + (1 - b1) * gd;
        v[d] = b2 * v[d] + (1 - b2) * gd * gd;
        w[d] -= (learningRate * (m[d] / (1 - b1 ** t))) / (Math.sqrt(v[d] / (1 - b2 ** t)) + eps);
      }
    }
    return new StackedSoftmaxRegression(w, n, kMax);
  }

  /** The top-scoring option of `it` (ties: the lowest index). */
  predict(it: AnswerItem): number {
    const penalised = PER_MODEL * this.numModels;
    const x = new Float64Array(penalised);
    let best = 0,
      bestScore = -Infinity;
    for (let k = 0; k < it.numOptions; k++) {
      writeStackingFeatures(it, k, this.numModels, x);
      let s = 0;
      for (let d = 0; d < penalised; d++) s += this.coef[d] * x[d];
      // [stacking] an option past maxOptions has no bias (its one-hot entry falls outside the coefficients).
      if (k < this.maxOptions) s += this.coef[penalised + k];
      if (s > bestScore + 1e-12) {
        best = k;
        bestScore = s;
      }
    }
    return best;
  }
}
