import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../core/errors.js';

/** JSON-safe Adam state (moments as plain arrays of float32 values). */
export interface AdamState {
  readonly step: number;
  readonly m: number[];
  readonly v: number[];
}

/**
 * Adam over one flat parameter variable, PyTorch's update rule (bias-corrected, ε outside the sqrt).
 * Written here rather than `tf.train.adam` so its moments and step count serialise into checkpoints exactly.
 */
export class Adam {
  private readonly m: tf.Variable<tf.Rank.R1>;
  private readonly v: tf.Variable<tf.Rank.R1>;
  /** Number of steps taken (bias correction). */
  step = 0;

  /** Moments start at zero for `param`; β₁, β₂ and ε as in PyTorch. */
  constructor(
    private readonly param: tf.Variable<tf.Rank.R1>,
    readonly eps = 1e-8,
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
  ) {
    this.m = tf.tidy(() => tf.variable(tf.zerosLike(param), false)) as tf.Variable<tf.Rank.R1>;
    this.v = tf.tidy(() => tf.variable(tf.zerosLike(param), false)) as tf.Variable<tf.Rank.R1>;
  }

  /** Applies one update with gradient `grad` (same shape as the parameter) at learning rate `lr`. */
  apply(grad: tf.Tensor1D, lr: number): void {
    this.step += 1;
    const bc1 = 1 - this.beta1 ** this.step;
    const bc2 = 1 - this.beta2 ** this.step;
    tf.tidy(() => {
      const m = tf.add(tf.mul(this.m, this.beta1), tf.mul(grad, 1 - this.beta1));
      const v = tf.add(tf.mul(this.v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
      this.m.assign(m as tf.Tensor1D);
      this.v.assign(v as tf.Tensor1D);
      const denom = tf.add(tf.mul(tf.sqrt(v), 1 / Math.sqrt(bc2)), this.eps);
      this.param.assign(tf.sub(this.param, tf.mul(tf.div(m, denom), lr / bc1)) as tf.Tensor1D);
    });
  }

  /** Moments and step count. */
  state(): AdamState {
    return { step: this.step, m: Array.from(this.m.dataSync()), v: Array.from(this.v.dataSync()) };
  }

  /** Restores `state()`; throws `ConfigError` when the moment sizes do not match the parameter. */
  load(s: AdamState): void {
    const n = this.param.shape[0];
    if (s.m.length !== n || s.v.length !== n) throw new ConfigError('optimizer.m', `has ${s.m.length} entries, expected ${n}`, 'Resume with the config the checkpoint was written with.');
    this.step = s.step;
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(s.m));
      this.v.assign(tf.tensor1d(s.v));
    });
  }

  /** Frees the moment variables. */
  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
