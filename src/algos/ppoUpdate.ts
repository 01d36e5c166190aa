import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../core/errors.js';
import type { Rng } from '../core/Rng.js';
import type { MlpActorCritic } from '../agents/MlpActorCritic.js';
import type { Adam } from './Adam.js';
import type { PPOConfig } from './PPOConfig.js';
import type { PackedBatch } from './RolloutBuffer.js';
import { ppoLoss, ppoLossTerms } from './ppoLoss.js';

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
  if (mbSize < 1)
    throw new ConfigError(
      'ppo.numMinibatches',
      `(${cfg.numMinibatches}) exceeds the batch of ${N} samples`,
      'Use fewer minibatches or more steps / env copies.',
    );
  const totalMembers = groups.reduce((s, g) => s + g.spec.members.length, 0);
  const jsHeads = groups.every((g) => g.head.hasJsBackward);
  let epochsRun = 0;
  let last = new Float64Array(5);
  const sums = new Float64Array(5);
  let count = 0;
  for (let epoch = 0; epoch < cfg.updateEpochs; epoch++) {
    const perm = minibatchRng.permutation(N);
    // [ppo] minibatch epochs: rows shuffled once per epoch (a JS copy: wasm's gather is ~30× slower), then contiguous slices
    const rowsShuffled = new Float32Array(N * W);
    for (let i = 0; i < N; i++) rowsShuffled.set(data.subarray(perm[i] * W, (perm[i] + 1) * W), i * W);
    // wasm's slice reads its whole input back: the minibatch columns are cut in JS and uploaded instead
    for (let k = 0; k < cfg.numMinibatches; k++) {
      const st = new Float64Array(5);
      tf.tidy(() => {
        let col = 0;
        const inputs = groups.map((grp, index) => {
          const m = grp.spec.members.length;
          const rows = mbSize * m;
          const C = grp.actorIn + grp.criticIn + grp.head.dim + 4;
          const cols = [grp.actorIn, grp.criticIn, grp.head.dim, 4];
          // [actorIn, criticIn, raw action, tail = (oldLogp, advantage, target, oldValue)] of each member row
          const parts = cols.map((c) => new Float32Array(rows * c));
          for (let r = 0; r < mbSize; r++) {
            for (let j = 0; j < m; j++) {
              let from = (k * mbSize + r) * W + col + j * C;
              cols.forEach((c, p) => {
                parts[p].set(rowsShuffled.subarray(from, from + c), (r * m + j) * c);
                from += c;
              });
            }
          }
          col += widths[index];
          const [aIn, cIn, rawJs, tail] = parts;
          const actorIn = tf.tensor2d(aIn, [rows, grp.actorIn]);
          const criticIn = tf.tensor2d(cIn, [rows, grp.criticIn]);
          return { grp, index, actorIn, criticIn, rawJs, tail };
        });
        if (jsHeads) {
          // Gaussian / Bernoulli heads: head and loss backward in JS, no gradient tape; the MLPs on tfjs
          const grad = new Float32Array(policy.numParams);
          for (const x of inputs) {
            const pass = policy.updatePass(x.index, x.actorIn, x.criticIn);
            const rows = x.tail.length / 4;
            const head = x.grp.head;
            const lp = head.logProbs(pass.out, pass.logStd, x.rawJs, rows);
            const ent = head.entropies(pass.out, pass.logStd, rows);
            const w = x.grp.spec.members.length / totalMembers;
            const t = ppoLossTerms(cfg, lp, ent, pass.value, x.tail);
            t.stats.forEach((v, i) => (st[i] += w * v));
            const dLp = t.dLogProb.map((g) => g * w);
            const dEnt = new Float32Array(rows).fill(t.dEntropy * w);
            const { dOut, dLogStd } = head.logProbEntropyBackward(pass.out, pass.logStd, x.rawJs, rows, dLp, dEnt);
            pass.backward(
              dOut,
              t.dValue.map((g) => g * w),
              grad,
            );
            grad.set(dLogStd, x.grp.logStd);
          }
          optimizer.apply(grad, lr, cfg.maxGradNorm);
          return;
        }
        const { grads } = tf.variableGrads(() => {
          let loss: tf.Scalar | null = null;
          for (const x of inputs) {
            const raw = tf.tensor2d(x.rawJs, [x.tail.length / 4, x.grp.head.dim]);
            const { logProb, entropy, value } = policy.evaluate(x.index, x.actorIn, x.criticIn, raw);
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
    epochsRun += 1;
    // [ppo] early stop on target KL (approx KL of the epoch's last minibatch, as CleanRL)
    if (cfg.targetKl !== null && last[3] > cfg.targetKl) break;
  }
  return {
    policyLoss: sums[0] / count,
    valueLoss: sums[1] / count,
    entropy: sums[2] / count,
    approxKl: last[3],
    clipFraction: sums[4] / count,
    epochsRun,
  };
}
