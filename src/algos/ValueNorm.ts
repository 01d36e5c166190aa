import { ConfigError } from '../core/errors.js';

/** JSON-safe ValueNorm statistics (`meanSq` and `debias` only for the `ema` mode). */
export interface ValueNormState {
  readonly mean: number;
  readonly var: number;
  readonly count: number;
  readonly mode?: ValueNormMode;
  readonly meanSq?: number;
  readonly debias?: number;
}

/**
 * `exact`: the running mean and variance of every target seen (parallel-merge update; the default).
 * `ema`: MAPPO's ValueNorm (on-policy `valuenorm.py`), a β-moving average of the mean and the mean of
 * squares with a debiasing term, so old targets are forgotten at rate 1 − β per batch.
 */
export type ValueNormMode = 'exact' | 'ema';

/** Options of `ValueNorm`. */
export interface ValueNormOptions {
  /** Which statistics (default `exact`). */
  readonly mode?: ValueNormMode;
  /** `ema` only: the decay per batch (MAPPO: 0.99999). */
  readonly beta?: number;
}

/** MAPPO's defaults for the `ema` mode: decay, floor of the debiasing term, floor of the variance. */
const MAPPO_BETA = 0.99999;
const MAPPO_DEBIAS_EPS = 1e-5;
const MAPPO_MIN_VAR = 1e-2;

/**
 * [ppo] ValueNorm: statistics of the value targets, so the critic regresses onto targets of unit scale
 * whatever the reward scale. The default keeps the exact running mean and variance of all targets
 * (not MAPPO's moving average); `{ mode: 'ema' }` is MAPPO's β-moving average with debiasing.
 */
export class ValueNorm {
  readonly mode: ValueNormMode;
  readonly beta: number;
  private mean = 0;
  private var = 1;
  private count = 0;
  // [mappo] ema mode: biased moving averages of x and x², and the weight they have accumulated.
  private emaMean = 0;
  private emaMeanSq = 0;
  private debias = 0;

  /** `exact` (default) or MAPPO's `ema` statistics; see `ValueNormOptions`. */
  constructor(opts: ValueNormOptions = {}) {
    this.mode = opts.mode ?? 'exact';
    this.beta = opts.beta ?? MAPPO_BETA;
    if (this.mode !== 'exact' && this.mode !== 'ema')
      throw new ConfigError('valueNorm.mode', `unknown mode ${JSON.stringify(this.mode)}`, "Use 'exact' (default) or 'ema' (MAPPO).");
    if (!(this.beta > 0 && this.beta < 1)) throw new ConfigError('valueNorm.beta', `must be in (0, 1), got ${this.beta}`, 'MAPPO uses 0.99999.');
  }

  /** Merges a batch of targets into the statistics. */
  update(xs: ArrayLike<number>): void {
    const n = xs.length;
    if (n === 0) return;
    let m = 0;
    for (let i = 0; i < n; i++) m += xs[i];
    m /= n;
    if (this.mode === 'ema') {
      let sq = 0;
      for (let i = 0; i < n; i++) sq += xs[i] * xs[i];
      sq /= n;
      const w = this.beta;
      this.emaMean = this.emaMean * w + m * (1 - w);
      this.emaMeanSq = this.emaMeanSq * w + sq * (1 - w);
      this.debias = this.debias * w + (1 - w);
      const d = Math.max(this.debias, MAPPO_DEBIAS_EPS);
      this.mean = this.emaMean / d;
      this.var = Math.max(this.emaMeanSq / d - this.mean * this.mean, MAPPO_MIN_VAR);
      this.count += n;
      return;
    }
    let v = 0;
    for (let i = 0; i < n; i++) v += (xs[i] - m) ** 2;
    v /= n;
    const total = this.count + n;
    const delta = m - this.mean;
    const m2 = this.var * this.count + v * n + (delta * delta * this.count * n) / total;
    this.mean += (delta * n) / total;
    this.var = m2 / total;
    this.count = total;
  }

  private std(): number {
    return Math.sqrt(Math.max(this.var, 1e-8));
  }

  /** (x - mean) / std. */
  normalize(x: number): number {
    return (x - this.mean) / this.std();
  }

  /** x · std + mean (inverse of `normalize`). */
  denormalize(x: number): number {
    return x * this.std() + this.mean;
  }

  /** Statistics. */
  state(): ValueNormState {
    const base = { mean: this.mean, var: this.var, count: this.count };
    return this.mode === 'ema' ? { ...base, mode: 'ema', meanSq: this.emaMeanSq, debias: this.debias } : base;
  }

  /** Restores `state()`. */
  load(s: ValueNormState): void {
    this.mean = s.mean;
    this.var = s.var;
    this.count = s.count;
    if (this.mode === 'ema') {
      this.debias = s.debias ?? 0;
      this.emaMeanSq = s.meanSq ?? 0;
      this.emaMean = this.mean * Math.max(this.debias, MAPPO_DEBIAS_EPS);
    }
  }
}
