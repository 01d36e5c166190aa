import { EnsembleGymError } from './errors.js';

/**
 * A uniform random permutation of 0..size-1 produced front to back, one entry per call: Fisher-Yates
 * run forward (entry i swaps with a uniform pick among i..size-1) over an implicit identity, of which
 * only the displaced slots are stored. Taking k entries draws k random numbers and costs O(k), and a
 * restart is O(1), so a pass that is restarted after a few entries never pays for the whole permutation.
 */
export class LazyPermutation {
  // slot s holds `moved[s]` when `stamp[s] === pass`, else its identity value s
  private readonly moved: Int32Array;
  private readonly stamp: Uint32Array;
  private pass = 1;
  private taken = 0;

  /** A permutation of 0..size-1 (size ≥ 0), at the start of its first pass. */
  constructor(readonly size: number) {
    this.moved = new Int32Array(size);
    this.stamp = new Uint32Array(size);
  }

  /** Entries left in the current pass. */
  get remaining(): number {
    return this.size - this.taken;
  }

  /** Starts a new permutation (the entries taken so far are forgotten). */
  restart(): void {
    this.taken = 0;
    this.pass += 1;
    // after 2³² - 1 passes the stamps would repeat: clear them once instead
    if (this.pass > 0xffffffff) {
      this.stamp.fill(0);
      this.pass = 1;
    }
  }

  /** The next entry of the pass, drawing one uniform index from `rng`; throws `EnsembleGymError` when the pass is used up. */
  next(rng: { int(n: number): number }): number {
    const i = this.taken;
    if (i >= this.size) throw new EnsembleGymError(`LazyPermutation: all ${this.size} entries of the pass are taken; call restart() first.`);
    const j = i + rng.int(this.size - i);
    const out = this.at(j);
    // slot i is never read again in this pass, so only slot j keeps what the swap puts there
    if (j !== i) {
      this.moved[j] = this.at(i);
      this.stamp[j] = this.pass;
    }
    this.taken = i + 1;
    return out;
  }

  private at(s: number): number {
    return this.stamp[s] === this.pass ? this.moved[s] : s;
  }
}
