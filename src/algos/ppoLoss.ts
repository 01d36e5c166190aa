import * as tf from '@tensorflow/tfjs';
import type { PPOConfig } from './PPOConfig.js';

/** The loss terms of one minibatch, averaged over its rows: what the update logs. */
export const PPO_STATS = ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction'] as const;

/** The loss of one group's minibatch, its stats (`PPO_STATS` order) and its gradients per row (unweighted). */
export interface PPOLossTerms {
  readonly loss: number;
  readonly stats: Float64Array;
  /** ∂loss/∂log-prob per row. */
  readonly dLogProb: Float32Array;
  /** ∂loss/∂entropy, the same for every row. */
  readonly dEntropy: number;
  /** ∂loss/∂value per row. */
  readonly dValue: Float32Array;
}

/**
 * The PPO loss in JS from log-probs, entropies and values of `n` rows, with its closed-form gradients:
 * the loss is elementwise in (log-prob, entropy, value), so the max/clip branches become masks.
 * `tail` holds the rows' `[oldLogp, advantage, target, oldValue]`.
 */
export function ppoLossTerms(cfg: PPOConfig, lp: ArrayLike<number>, ent: ArrayLike<number>, v: ArrayLike<number>, tail: Float32Array): PPOLossTerms {
  const n = lp.length;
  const eps = cfg.clipCoef;
  const gLp = new Float32Array(n);
  const gV = new Float32Array(n);
  let advMean = 0,
    advVar = 0;
  for (let i = 0; i < n; i++) advMean += tail[4 * i + 1] / n;
  for (let i = 0; i < n; i++) advVar += (tail[4 * i + 1] - advMean) ** 2 / n;
  // [ppo] advantage normalisation (per minibatch)
  const [shift, scale] = cfg.normAdvantages ? [advMean, 1 / (Math.sqrt(advVar) + 1e-8)] : [0, 1];
  let pg = 0,
    vLoss = 0,
    entSum = 0,
    kl = 0,
    clipped = 0;
  for (let i = 0; i < n; i++) {
    const [oldLp, advRaw, ret, oldV] = [tail[4 * i], tail[4 * i + 1], tail[4 * i + 2], tail[4 * i + 3]];
    const adv = (advRaw - shift) * scale;
    const logRatio = lp[i] - oldLp;
    const ratio = Math.exp(logRatio);
    // [ppo] clipped surrogate: max(-A·r, -A·clip(r, 1-ε, 1+ε)); its gradient flows only through the unclipped branch
    const un = -adv * ratio;
    const cl = -adv * Math.min(Math.max(ratio, 1 - eps), 1 + eps);
    pg += Math.max(un, cl);
    gLp[i] = un >= cl ? un / n : 0;
    const err = v[i] - ret;
    // [ppo] value loss: ½ (V - return)², clipped or not
    if (cfg.clipValueLoss) {
      // [ppo] value clipping around the rollout's prediction
      const dv = v[i] - oldV;
      const errC = oldV + Math.min(Math.max(dv, -eps), eps) - ret;
      vLoss += Math.max(err * err, errC * errC);
      gV[i] = ((err * err >= errC * errC ? err : Math.abs(dv) <= eps ? errC : 0) * cfg.vfCoef) / n;
    } else {
      vLoss += err * err;
      gV[i] = (err * cfg.vfCoef) / n;
    }
    entSum += ent[i];
    kl += ratio - 1 - logRatio;
    if (Math.abs(ratio - 1) > eps) clipped += 1;
  }
  const policyLoss = pg / n;
  const valueLoss = (0.5 * vLoss) / n;
  const entropy = entSum / n;
  // [ppo] approx KL: mean of (r - 1) - log r (Schulman's k3 estimator, as CleanRL)
  const approxKl = kl / n;
  // [ppo] clip fraction: share of rows whose ratio left [1-ε, 1+ε]
  const clipFraction = clipped / n;
  // [ppo] entropy bonus: the loss is surrogate - c_ent·H + c_vf·value loss
  const loss = policyLoss - cfg.entCoef * entropy + cfg.vfCoef * valueLoss;
  return { loss, stats: Float64Array.of(policyLoss, valueLoss, entropy, approxKl, clipFraction), dLogProb: gLp, dEntropy: -cfg.entCoef / n, dValue: gV };
}

/**
 * The PPO loss of one group's minibatch (scaled by `weight`) and its stats in `PPO_STATS` order `[policyLoss,
 * valueLoss, entropy, approxKl, clipFraction]`; `tail` holds the rows' `[oldLogp, advantage, target, oldValue]`.
 * One custom-gradient op computed in JS (`ppoLossTerms`): on the CPU backends reading three short vectors
 * back costs less than dispatching the ~45 small tensor ops of the textbook form.
 */
export function ppoLoss(
  cfg: PPOConfig,
  logProb: tf.Tensor1D,
  entropy: tf.Tensor1D,
  value: tf.Tensor1D,
  tail: Float32Array,
  weight = 1,
): { loss: tf.Scalar; stats: Float64Array } {
  const n = logProb.shape[0];
  const stats = new Float64Array(5);
  const f = tf.customGrad(((lpT: tf.Tensor, entT: tf.Tensor, vT: tf.Tensor) => {
    const t = ppoLossTerms(cfg, lpT.dataSync(), entT.dataSync(), vT.dataSync(), tail);
    stats.set(t.stats);
    return {
      value: tf.scalar(weight * t.loss),
      gradFunc: (dy: tf.Tensor) => {
        const d = weight * dy.dataSync()[0];
        return [tf.tensor1d(t.dLogProb.map((g) => g * d)), tf.tensor1d(new Float32Array(n).fill(t.dEntropy * d)), tf.tensor1d(t.dValue.map((g) => g * d))];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return { loss: f(logProb, entropy, value) as tf.Scalar, stats };
}
