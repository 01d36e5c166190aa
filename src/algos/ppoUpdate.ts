import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/Rng.js';
import type { MlpActorCritic } from '../agents/MlpActorCritic.js';
import type { Adam } from './Adam.js';
import type { PPOConfig } from './PPOConfig.js';
import type { PackedBatch } from './RolloutBuffer.js';
import { ppoLoss } from './ppoLoss.js';

/** What the update changes: the policy's weights (through the optimizer) and the minibatch order's generator. */
export interface UpdateTarget {
  readonly policy: MlpActorCritic;
  readonly optimizer: Adam;
  readonly config: PPOConfig;
  readonly minibatchRng: Rng;
}

/** Loss terms of the update (means over its minibatches; approx KL of the last one) and the epochs it ran. */
export interface UpdateStats {
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropy: number;
  readonly approxKl: number;
  readonly clipFraction: number;
  readonly epochsRun: number;
}

/**
 * [ppo] the update over a packed batch `[N, W]` (see `RolloutBuffer.pack`): minibatch epochs with one
 * gather per epoch, the clipped-surrogate loss of every parameter group weighted by its share of
 * learners, global-norm gradient clipping in Adam, and the target-KL early stop. Runs on tfjs.
 */
export function ppoUpdate(learner: UpdateTarget, batch: PackedBatch, lr: number): UpdateStats {
  const { policy, optimizer, config: cfg, minibatchRng } = learner;
  const { data, rows: N, width: W, widths } = batch;
  const groups = policy.groups;
  const mbSize = Math.floor(N / cfg.numMinibatches);
  if (mbSize < 1) throw new ConfigError('ppo.numMinibatches', `(${cfg.numMinibatches}) exceeds the batch of ${N} samples`, 'Use fewer minibatches or more steps / env copies.');
  const totalMembers = groups.reduce((s, g) => s + g.spec.members.length, 0);
  let epochsRun = 0;
  let last = new Float64Array(5);
  const sums = new Float64Array(5);
  let count = 0;
  for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
    const perm = minibatchRng.permutation(N);
    // [ppo] minibatch epochs: rows shuffled once per epoch (a JS copy: wasm's gather is ~30× slower), then contiguous slices
    const rowsShuffled = new Float32Array(N * W);
    for (let i = 0; i < N; i++) rowsShuffled.set(data.subarray(perm[i] * W, (perm[i] + 1) * W), i * W);
    const shuffled = tf.tensor2d(rowsShuffled, [N, W]);
    for (let k = 0; k < cfg.numMinibatches; k++) {
      const st = new Float64Array(5);
      tf.tidy(() => {
        // data columns are sliced outside the gradient tape: taped ops clone their inputs
        const mb = tf.slice(shuffled, [k * mbSize, 0], [mbSize, W]);
        let col = 0;
        const inputs = groups.map((grp, index) => {
          const m = grp.spec.members.length;
          const C = grp.actorIn + grp.criticIn + grp.head.dim + 4;
          const rows = tf.reshape(tf.slice(mb, [0, col], [mbSize, widths[index]]), [mbSize * m, C]) as tf.Tensor2D;
          col += widths[index];
          const [actorIn, criticIn, raw] = tf.split(rows, [grp.actorIn, grp.criticIn, grp.head.dim, 4], 1) as tf.Tensor2D[];
          // the loss reads [oldLogp, advantage, target, oldValue] in JS: taken from the JS copy, not read back
          const tail = new Float32Array(mbSize * m * 4);
          const skip = grp.actorIn + grp.criticIn + grp.head.dim;
          for (let r = 0; r < mbSize; r++) {
            for (let j = 0; j < m; j++) {
              const from = (k * mbSize + r) * W + col - widths[index] + j * C + skip;
              tail.set(rowsShuffled.subarray(from, from + 4), (r * m + j) * 4);
            }
          }
          return { grp, index, actorIn, criticIn, raw, tail };
        });
        const { grads } = tf.variableGrads(() => {
          let loss: tf.Scalar | null = null;
          for (const x of inputs) {
            const { logProb, entropy, value } = policy.evaluate(x.index, x.actorIn, x.criticIn, x.raw);
            const w = x.grp.spec.members.length / totalMembers;
            const l = ppoLoss(cfg, logProb, entropy, value, x.tail, w);
            loss = loss ? (tf.add(loss, l.loss) as tf.Scalar) : l.loss;
            l.stats.forEach((v, i) => (st[i] += w * v));
          }
          return loss!;
        }, [policy.theta]);
        optimizer.apply(grads[policy.theta.name].dataSync() as Float32Array, lr, cfg.maxGradNorm);
      });
      policy.releaseBackward();
      for (let i = 0; i < 5; i++) sums[i] += st[i];
      count += 1;
      last = st;
    }
    shuffled.dispose();
    epochsRun += 1;
    // [ppo] early stop on target KL (approx KL of the epoch's last minibatch, as CleanRL)
    if (cfg.targetKl !== null && last[3] > cfg.targetKl) break;
  }
  return {
    policyLoss: sums[0] / count, valueLoss: sums[1] / count, entropy: sums[2] / count,
    approxKl: last[3], clipFraction: sums[4] / count, epochsRun,
  };
}
