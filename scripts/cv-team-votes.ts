/**
 * Cross-validation on the TRAIN split of an answer-data file (the test split is never read) of a
 * team-level categorical policy for `'calibrated'` fusion, outside the package's algorithms: one
 * shared actor (member one-hot appended) maps each agent's own observation to its model's
 * [log-temperature, option biases]; the team answer is drawn from softmax(Σ_i votes_i) over the
 * item's options, rewarded 1 when right; PPO-clip on the team's log-probability, with a centralised
 * critic on the env's global state. It measures whether exploring with the team answer instead of
 * Gaussian noise on every agent's K + 1 action entries learns better (the package's MAPPO explores
 * with the Gaussian noise).
 *
 *   npx tsx scripts/cv-team-votes.ts DATA.json [--folds 3] [--run-folds N] [--steps 40000] [--lr 1e-3] [--seed 0]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/initBackend.js';
import { Rng } from '../src/core/Rng.js';
import { AnswerEnsembleEnv } from '../src/envs/AnswerEnsembleEnv.js';
import { itemsOf, loadAnswerData, type AnswerDataset } from '../src/envs/answerData.js';
import { MAX_LOG_TEMPERATURE, MIN_CALIBRATED_SCORE } from '../src/ensemble/fuseAnswers.js';
import { cvFold } from './lib/cvFold.js';

/** One split as flat arrays: actor inputs `[n·N, D]`, global states `[n, S]`, log-scores `[n·N, K]`, option masks `[n, K]`, labels. */
interface SplitArrays {
  readonly n: number;
  readonly N: number;
  readonly D: number;
  readonly S: number;
  readonly K: number;
  readonly obs: Float32Array;
  readonly state: Float32Array;
  readonly logp: Float32Array;
  readonly mask: Float32Array;
  readonly label: Int32Array;
}

/** Reads every item of `split` through the env's public API (rich features), with the member one-hot appended. */
async function splitArrays(data: AnswerDataset, split: 'train' | 'test'): Promise<SplitArrays> {
  const env = new AnswerEnsembleEnv({ data, fusion: 'calibrated', features: 'rich', split });
  const agents = env.possibleAgents;
  const items = itemsOf(data, split);
  const [n, N, K] = [items.length, agents.length, data.maxOptions];
  const D0 = env.observationSpace(agents[0]).flatDim;
  const D = D0 + N;
  await env.reset({ seed: 0 });
  const S = env.state().length;
  const a: SplitArrays = {
    n,
    N,
    D,
    S,
    K,
    obs: new Float32Array(n * N * D),
    state: new Float32Array(n * S),
    logp: new Float32Array(n * N * K),
    mask: new Float32Array(n * K),
    label: Int32Array.from(items, (it) => it.label),
  };
  for (let j = 0; j < n; j++) {
    const r = await env.reset({ options: { itemIndex: j } });
    agents.forEach((agent, i) => {
      a.obs.set(r.observations[agent], (j * N + i) * D);
      a.obs[(j * N + i) * D + D0 + i] = 1;
      for (let k = 0; k < K; k++) a.logp[(j * N + i) * K + k] = Math.log(Math.max(k < items[j].numOptions ? items[j].probs[i][k] : 0, MIN_CALIBRATED_SCORE));
    });
    a.state.set(env.state(), j * S);
    env.optionMask().forEach((m, k) => (a.mask[j * K + k] = m));
  }
  await env.close();
  return a;
}

/** A 64-64 tanh MLP with CleanRL's orthogonal gains. */
function mlp(inDim: number, outDim: number, outGain: number, seed: number): tf.Sequential {
  const init = (gain: number, s: number) => tf.initializers.orthogonal({ gain, seed: s });
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [inDim], units: 64, activation: 'tanh', kernelInitializer: init(Math.SQRT2, seed) }),
      tf.layers.dense({ units: 64, activation: 'tanh', kernelInitializer: init(Math.SQRT2, seed + 1) }),
      tf.layers.dense({ units: outDim, kernelInitializer: init(outGain, seed + 2) }),
    ],
  });
}

/** Team logits `[B, K]`: Σ over members of e^τ·log p + bias, padded options at -1e9. */
function teamLogits(actor: tf.Sequential, obs: tf.Tensor2D, logp: tf.Tensor2D, mask: tf.Tensor2D, B: number, N: number, K: number): tf.Tensor2D {
  const out = actor.apply(obs) as tf.Tensor2D;
  const scale = out.slice([0, 0], [-1, 1]).clipByValue(-MAX_LOG_TEMPERATURE, MAX_LOG_TEMPERATURE).exp();
  const votes = logp.mul(scale).add(out.slice([0, 1], [-1, K]));
  return votes.reshape([B, N, K]).sum(1).add(mask.sub(1).mul(1e9)) as tf.Tensor2D;
}

/** Greedy team accuracy on `s`. */
function accuracy(actor: tf.Sequential, s: SplitArrays): number {
  return tf.tidy(() => {
    const lg = teamLogits(actor, tf.tensor2d(s.obs, [s.n * s.N, s.D]), tf.tensor2d(s.logp, [s.n * s.N, s.K]), tf.tensor2d(s.mask, [s.n, s.K]), s.n, s.N, s.K);
    const a = lg.argMax(1).dataSync();
    return s.label.reduce((r, l, j) => r + (a[j] === l ? 1 : 0), 0) / s.n;
  });
}

/** Rows `idx` of a `[*, w]` array. */
function gather(x: Float32Array, idx: Int32Array, w: number): Float32Array {
  const out = new Float32Array(idx.length * w);
  idx.forEach((j, b) => out.set(x.subarray(j * w, (j + 1) * w), b * w));
  return out;
}

/** Trains on `tr` for `steps` items (rollouts of `batch` items, 4 epochs of full-batch PPO-clip, ε = 0.2) and returns the held-out accuracy on `te`. */
function train(tr: SplitArrays, te: SplitArrays, steps: number, lr: number, seed: number, batch = 256): number {
  const { N, D, K, S } = tr;
  const actor = mlp(D, K + 1, 0.01, 10 * seed + 1);
  const critic = mlp(S, 1, 1, 10 * seed + 5);
  const [aOpt, cOpt] = [tf.train.adam(lr), tf.train.adam(lr)];
  const rng = new Rng(`${seed}/team-votes`);
  for (let t = 0; t < steps; t += batch) {
    const idx = Int32Array.from({ length: batch }, () => rng.int(tr.n));
    const members = Int32Array.from({ length: batch * N }, (_, r) => idx[Math.floor(r / N)] * N + (r % N));
    const obs = tf.tensor2d(gather(tr.obs, members, D), [batch * N, D]);
    const logp = tf.tensor2d(gather(tr.logp, members, K), [batch * N, K]);
    const maskJs = gather(tr.mask, idx, K);
    const mask = tf.tensor2d(maskJs, [batch, K]);
    const state = tf.tensor2d(gather(tr.state, idx, S), [batch, S]);
    const probs = tf.tidy(() => tf.softmax(teamLogits(actor, obs, logp, mask, batch, N, K)).dataSync());
    const values = tf.tidy(() => (critic.apply(state) as tf.Tensor).dataSync());
    const act = new Int32Array(batch);
    const ret = new Float32Array(batch);
    const oldLp = new Float32Array(batch);
    const adv = new Float32Array(batch);
    for (let b = 0; b < batch; b++) {
      let u = rng.next();
      let k = 0;
      for (; k < K - 1; k++) if ((u -= probs[b * K + k]) < 0) break;
      while (maskJs[b * K + k] === 0) k--;
      act[b] = k;
      ret[b] = k === tr.label[idx[b]] ? 1 : 0;
      oldLp[b] = Math.log(probs[b * K + k]);
      adv[b] = ret[b] - values[b];
    }
    const mu = adv.reduce((s, x) => s + x, 0) / batch;
    const sd = Math.sqrt(adv.reduce((s, x) => s + (x - mu) ** 2, 0) / batch) + 1e-8;
    const advT = tf.tensor1d(adv.map((x) => (x - mu) / sd));
    const actT = tf.oneHot(tf.tensor1d(act, 'int32'), K);
    const [oldT, retT] = [tf.tensor1d(oldLp), tf.tensor1d(ret)];
    for (let epoch = 0; epoch < 4; epoch++) {
      aOpt.minimize(() => {
        const ratio = tf.exp(tf.sum(tf.logSoftmax(teamLogits(actor, obs, logp, mask, batch, N, K)).mul(actT), 1).sub(oldT));
        return tf.neg(tf.minimum(ratio.mul(advT), ratio.clipByValue(0.8, 1.2).mul(advT)).mean()) as tf.Scalar;
      });
      cOpt.minimize(() => tf.losses.meanSquaredError(retT, (critic.apply(state) as tf.Tensor).reshape([batch])) as tf.Scalar);
    }
    tf.dispose([obs, logp, mask, state, advT, actT, oldT, retT]);
  }
  const acc = accuracy(actor, te);
  actor.dispose();
  critic.dispose();
  return acc;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const path = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!path) throw new Error('usage: cv-team-votes.ts DATA.json [--folds 3] [--run-folds N] [--steps 40000] [--lr 1e-3] [--seed 0]');
  const flag = (name: string, dflt: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : dflt);
  const [folds, steps, lr, seed] = [flag('--folds', 3), flag('--steps', 40_000), flag('--lr', 1e-3), flag('--seed', 0)];
  const runFolds = Math.min(folds, flag('--run-folds', folds));
  await initBackend();
  const data = await loadAnswerData(path);
  const accs: number[] = [];
  const t0 = performance.now();
  for (let f = 0; f < runFolds; f++) {
    const d = cvFold(data, folds, f, seed);
    accs.push(train(await splitArrays(d, 'train'), await splitArrays(d, 'test'), steps, lr, seed));
  }
  const cv = (100 * accs.reduce((a, b) => a + b, 0)) / accs.length;
  console.log(
    JSON.stringify({
      steps,
      lr,
      cvAccuracy: +cv.toFixed(2),
      folds: accs.map((a) => +(100 * a).toFixed(2)),
      seconds: +((performance.now() - t0) / 1000).toFixed(0),
    }),
  );
}

await main();
