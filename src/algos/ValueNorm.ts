/** JSON-safe ValueNorm statistics. */
export interface ValueNormState {
  readonly mean: number;
  readonly var: number;
  readonly count: number;
}

/**
 * [ppo] ValueNorm (MAPPO): running mean and variance of value targets (exact parallel-merge update),
 * so the critic regresses onto targets of unit scale whatever the reward scale.
 */
export class ValueNorm {
  private mean = 0;
  private var = 1;
  private count = 0;

  /** Merges a batch of targets into the running statistics. */
  update(xs: ArrayLike<number>): void {
    const n = xs.length;
    if (n === 0) return;
    let m = 0;
    for (let i = 0; i < n; i++) m += xs[i];
    m /= n;
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
    return { mean: this.mean, var: this.var, count: this.count };
  }

  /** Restores `state()`. */
  load(s: ValueNormState): void {
    this.mean = s.mean;
    this.var = s.var;
    this.count = s.count;
  }
}
