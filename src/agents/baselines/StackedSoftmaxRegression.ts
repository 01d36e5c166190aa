import { ConfigError } from '../../core/errors.js';
import type { AnswerItem } from '../../envs/answerData.js';

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

/** Scores are floored at this before the log feature. */
const LOG_FLOOR = 1e-4;
/** Features per model and option: recorded score, normalised score, log of the normalised score / |log floor|. */
const PER_MODEL = 3;

/** The feature vector of option `k` of `it`: per-model features, then the option one-hot (its bias). */
function features(it: AnswerItem, k: number, n: number, kMax: number, out: Float64Array): Float64Array {
  out.fill(0);
  const scale = -Math.log(LOG_FLOOR);
  for (let i = 0; i < n; i++) {
    const p = it.probs[i][k];
    out[PER_MODEL * i] = it.scores ? it.scores[i][k] : p;
    out[PER_MODEL * i + 1] = p;
    out[PER_MODEL * i + 2] = Math.log(Math.max(p, LOG_FLOOR)) / scale;
  }
  out[PER_MODEL * n + k] = 1;
  return out;
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
    const { numModels: n, maxOptions: kMax, l2 = 1e-2, iterations = 200, learningRate = 0.1, optionBias = true } = opts;
    if (items.length === 0) throw new ConfigError('items', 'is empty', 'Fit on at least one train item.');
    if (!(l2 >= 0)) throw new ConfigError('l2', `must be >= 0, got ${l2}`, 'Use e.g. 1e-2.');
    const dim = PER_MODEL * n + kMax;
    const penalised = PER_MODEL * n;
    // Lay out every option's features once: rows[item] is numOptions × dim.
    const rows = items.map((it) => {
      const x = new Float64Array(it.numOptions * dim);
      const buf = new Float64Array(dim);
      for (let k = 0; k < it.numOptions; k++) x.set(features(it, k, n, kMax, buf), k * dim);
      return x;
    });
    const w = new Float64Array(dim);
    const m = new Float64Array(dim);
    const v = new Float64Array(dim);
    const g = new Float64Array(dim);
    const z = new Float64Array(kMax);
    const b1 = 0.9,
      b2 = 0.999,
      eps = 1e-8;
    for (let t = 1; t <= iterations; t++) {
      g.fill(0);
      items.forEach((it, j) => {
        const x = rows[j];
        const K = it.numOptions;
        let mx = -Infinity;
        for (let k = 0; k < K; k++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += w[d] * x[k * dim + d];
          z[k] = s;
          if (s > mx) mx = s;
        }
        let sum = 0;
        for (let k = 0; k < K; k++) sum += z[k] = Math.exp(z[k] - mx);
        for (let k = 0; k < K; k++) {
          const err = z[k] / sum - (k === it.label ? 1 : 0);
          if (err === 0) continue;
          for (let d = 0; d < dim; d++) g[d] += err * x[k * dim + d];
        }
      });
      if (!optionBias) g.fill(0, penalised);
      for (let d = 0; d < dim; d++) {
        const gd = g[d] / items.length + (d < penalised ? l2 * w[d] : 0);
        m[d] = b1 * m[d] + (1 - b1) * gd;
        v[d] = b2 * v[d] + (1 - b2) * gd * gd;
        w[d] -= (learningRate * (m[d] / (1 - b1 ** t))) / (Math.sqrt(v[d] / (1 - b2 ** t)) + eps);
      }
    }
    return new StackedSoftmaxRegression(w, n, kMax);
  }

  /** The top-scoring option of `it` (ties: the lowest index). */
  predict(it: AnswerItem): number {
    const dim = this.coef.length;
    const buf = new Float64Array(dim);
    let best = 0,
      bestScore = -Infinity;
    for (let k = 0; k < it.numOptions; k++) {
      const x = features(it, k, this.numModels, this.maxOptions, buf);
      let s = 0;
      for (let d = 0; d < dim; d++) s += this.coef[d] * x[d];
      if (s > bestScore + 1e-12) {
        best = k;
        bestScore = s;
      }
    }
    return best;
  }
}
