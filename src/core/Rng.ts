import seedrandom from 'seedrandom';

/** State of an `Rng`, serialisable to JSON so checkpoints can restore a stream exactly. */
export interface RngState {
  readonly seed: string;
  readonly inner: object;
}

/**
 * Seeded random generator (seedrandom's fast `alea`), the only source of randomness in `src/`.
 * `fork(label)` derives an independent, reproducible stream, so adding draws to one part of the
 * system never shifts the numbers another part sees.
 */
export class Rng {
  private readonly gen: seedrandom.StatefulPRNG<seedrandom.State.Alea>;
  readonly seed: string;

  /** Creates a generator from a seed (number or string); the same seed gives the same stream. */
  constructor(seed: number | string, state?: object) {
    this.seed = String(seed);
    this.gen = state ? seedrandom.alea('', { state: state as seedrandom.State.Alea }) : seedrandom.alea(this.seed, { state: true });
  }

  /** Restores a generator from `state()`; it continues exactly where the saved one stopped. */
  static fromState(s: RngState): Rng {
    return new Rng(s.seed, s.inner);
  }

  /** Snapshot of the stream position (JSON-safe). */
  state(): RngState {
    return { seed: this.seed, inner: this.gen.state() };
  }

  /** An independent stream derived from this generator's seed and `label` (does not advance this one). */
  fork(label: string | number): Rng {
    return new Rng(`${this.seed}/${label}`);
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.gen();
  }

  /** Uniform float in [low, high). */
  uniform(low = 0, high = 1): number {
    return low + (high - low) * this.gen();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.gen() * n);
  }

  /** Standard normal draw (Box-Muller). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.gen();
    const v = this.gen();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Gamma(shape, 1) draw (Marsaglia-Tsang), used for Dirichlet sampling. */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.next() || Number.MIN_VALUE, 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** Index drawn from unnormalised non-negative weights `p` (sum > 0). */
  categorical(p: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < p.length; i++) total += p[i];
    let r = this.gen() * total;
    for (let i = 0; i < p.length; i++) {
      r -= p[i];
      if (r < 0) return i;
    }
    for (let i = p.length - 1; i >= 0; i--) if (p[i] > 0) return i;
    return p.length - 1;
  }

  /** Fisher-Yates shuffle of a copy of `xs`. */
  shuffle<T>(xs: readonly T[]): T[] {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}
