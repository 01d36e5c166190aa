/**
 * Cross-validation on the TRAIN split of an answer-data file (the test split is never read) of the
 * per-task stacking function class, kept decentralised: model i's votes for option k are
 * a_ti·s_i(k) + b_ti·p_i(k) + (1 + c_ti)·ℓ_i(k) + bias_ti(k) with one coefficient set per (task t, model i)
 * (s: recorded score, p: normalised score, ℓ = log(max(p, 1e-4)) / log(1e4), the stacking features);
 * the team answer is the top option of Σ_i votes. Outside the package's algorithms, it measures how
 * close three ways of fitting this class get to per-task stacking on the same folds:
 * - `--mode supervised`: minibatch cross-entropy on the labels (Adam);
 * - `--mode rl`: a team-level categorical policy, the answer drawn from softmax(Σ_i votes) and
 *   rewarded 1 when right, PPO-clip (ε = 0.2, 4 epochs per batch) with a running per-task baseline;
 * - `--init-stacking L2`: either of them started from per-task stacking fitted with that L2 penalty
 *   (`--steps 1 --lr 1e-9` scores the starting point itself).
 *
 *   npx tsx scripts/cv-task-linear.ts DATA.json [--mode rl|supervised] [--steps 40000] [--lr 0.05] [--batch 256] [--init-stacking L2] [--folds 3] [--run-folds N] [--seed 0]
 */
import * as tf from '@tensorflow/tfjs';
import { StackedSoftmaxRegression } from '../src/agents/baselines/StackedSoftmaxRegression.js';
import { initBackend } from '../src/backend/initBackend.js';
import { Rng } from '../src/core/Rng.js';
import { itemsOf, loadAnswerData, type AnswerDataset } from '../src/envs/answerData.js';
import { cvFold } from './lib/cvFold.js';

/** Features per model and option (recorded score, normalised score, scaled log-score), as stacking's. */
const F = 3;

/** One split as flat arrays: features `[n, N, K, F]`, option masks `[n, K]`, labels and task indices. */
interface SplitArrays {
  readonly n: number;
  readonly N: number;
  readonly K: number;
  readonly feat: Float32Array;
  readonly mask: Float32Array;
  readonly label: Int32Array;
  readonly task: Int32Array;
}

function splitArrays(data: AnswerDataset, split: 'train' | 'test'): SplitArrays {
  const items = itemsOf(data, split);
  const [n, N, K] = [items.length, data.models.length, data.maxOptions];
  const feat = new Float32Array(n * N * K * F);
  const mask = new Float32Array(n * K);
  const scale = Math.log(1e4);
  items.forEach((it, j) => {
    mask.fill(1, j * K, j * K + it.numOptions);
    for (let i = 0; i < N; i++)
      for (let k = 0; k < it.numOptions; k++) {
        const o = ((j * N + i) * K + k) * F;
        const p = it.probs[i][k];
        feat.set([it.scores ? it.scores[i][k] : p, p, Math.log(Math.max(p, 1e-4)) / scale], o);
      }
  });
  const task = Int32Array.from(items, (it) => data.tasks.indexOf(it.task));
  return { n, N, K, feat, mask, label: Int32Array.from(items, (it) => it.label), task };
}

/** Team logits `[B, K]` of items `idx` under coefficients `W` `[T, N, F + K]` (padded options at -1e9). */
function teamLogits(W: tf.Variable, s: SplitArrays, idx: Int32Array): tf.Tensor2D {
  const { N, K } = s;
  const [B, T, row] = [idx.length, W.shape[0]!, N * K * F];
  const f = new Float32Array(B * row);
  const m = new Float32Array(B * K);
  idx.forEach((j, b) => {
    f.set(s.feat.subarray(j * row, (j + 1) * row), b * row);
    m.set(s.mask.subarray(j * K, (j + 1) * K), b * K);
  });
  // the wasm backend has no gather gradient: pick each item's task rows by a one-hot product
  const taskOneHot = tf
    .oneHot(
      tf.tensor1d(
        Array.from(idx, (j) => s.task[j]),
        'int32',
      ),
      T,
    )
    .toFloat();
  const w = tf.matMul(taskOneHot, W.reshape([T, N * (F + K)])).reshape([B, N, F + K]);
  const coef = w
    .slice([0, 0, 0], [-1, -1, F])
    .reshape([B, N, 1, F])
    .add(tf.tensor1d([0, 0, 1]));
  const votes = tf
    .tensor4d(f, [B, N, K, F])
    .mul(coef)
    .sum(3)
    .add(w.slice([0, 0, F], [-1, -1, K]));
  return votes.sum(1).add(tf.tensor2d(m, [B, K]).sub(1).mul(1e9)) as tf.Tensor2D;
}

function accuracy(W: tf.Variable, s: SplitArrays): number {
  return tf.tidy(() => {
    const a = teamLogits(W, s, Int32Array.from(s.label.keys())).argMax(1).dataSync();
    return s.label.reduce((r, l, j) => r + (a[j] === l ? 1 : 0), 0) / s.n;
  });
}

/** Starting coefficients `[T, N, F + K]`: zeros (the product of experts), or per-task stacking fitted on `data`'s train split. */
function initialCoefficients(data: AnswerDataset, initL2: number | null): Float32Array {
  const [T, N, K] = [data.tasks.length, data.models.length, data.maxOptions];
  const init = new Float32Array(T * N * (F + K));
  if (initL2 === null) return init;
  const train = itemsOf(data, 'train');
  data.tasks.forEach((t, ti) => {
    const sub = train.filter((it) => it.task === t);
    if (sub.length === 0) return;
    const m = StackedSoftmaxRegression.fit(sub, { numModels: N, maxOptions: K, l2: initL2 });
    for (let i = 0; i < N; i++) for (let q = 0; q < F; q++) init[(ti * N + i) * (F + K) + q] = m.coef[F * i + q] - (q === 2 ? 1 : 0);
    // stacking's option biases are the team's: model 0 carries them
    for (let k = 0; k < K; k++) init[ti * N * (F + K) + F + k] = m.coef[F * N + k];
  });
  return init;
}

interface FitOptions {
  readonly mode: 'rl' | 'supervised';
  readonly steps: number;
  readonly lr: number;
  readonly batch: number;
  readonly initL2: number | null;
  readonly seed: number;
}

/** Fits on `data`'s train split and returns the accuracy on its held-out split. */
function fitAndScore(data: AnswerDataset, o: FitOptions): number {
  const [tr, te] = [splitArrays(data, 'train'), splitArrays(data, 'test')];
  const { K } = tr;
  const W = tf.variable(tf.tensor3d(initialCoefficients(data, o.initL2), [data.tasks.length, tr.N, F + K]));
  const opt = tf.train.adam(o.lr);
  const rng = new Rng(`${o.seed}/task-linear`);
  const baseline = new Float64Array(data.tasks.length).fill(0.5);
  for (let t = 0; t < o.steps; t += o.batch) {
    const idx = Int32Array.from({ length: o.batch }, () => rng.int(tr.n));
    const probs = tf.tidy(() => tf.softmax(teamLogits(W, tr, idx)).dataSync());
    const act = new Int32Array(o.batch);
    const adv = new Float32Array(o.batch);
    const oldLp = new Float32Array(o.batch);
    for (let b = 0; b < o.batch; b++) {
      let k = tr.label[idx[b]];
      if (o.mode === 'rl') {
        let u = rng.next();
        for (k = 0; k < K - 1; k++) if ((u -= probs[b * K + k]) < 0) break;
        while (tr.mask[idx[b] * K + k] === 0) k--;
        const r = k === tr.label[idx[b]] ? 1 : 0;
        const ti = tr.task[idx[b]];
        adv[b] = r - baseline[ti];
        baseline[ti] += 0.01 * (r - baseline[ti]);
      }
      act[b] = k;
      oldLp[b] = Math.log(probs[b * K + k]);
    }
    const mu = adv.reduce((s, x) => s + x, 0) / o.batch;
    const sd = Math.sqrt(adv.reduce((s, x) => s + (x - mu) ** 2, 0) / o.batch) + 1e-8;
    const [advT, actT, oldT] = [tf.tensor1d(adv.map((x) => (x - mu) / sd)), tf.oneHot(tf.tensor1d(act, 'int32'), K), tf.tensor1d(oldLp)];
    for (let e = 0; e < (o.mode === 'rl' ? 4 : 1); e++)
      opt.minimize(() => {
        const lp = tf.sum(tf.logSoftmax(teamLogits(W, tr, idx)).mul(actT), 1);
        if (o.mode === 'supervised') return tf.neg(lp.mean()) as tf.Scalar;
        const ratio = tf.exp(lp.sub(oldT));
        return tf.neg(tf.minimum(ratio.mul(advT), ratio.clipByValue(0.8, 1.2).mul(advT)).mean()) as tf.Scalar;
      });
    tf.dispose([advT, actT, oldT]);
  }
  const acc = accuracy(W, te);
  W.dispose();
  return acc;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const path = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  if (!path) throw new Error('usage: cv-task-linear.ts DATA.json [--mode rl|supervised] [--steps 40000] [--lr 0.05] [--init-stacking L2]');
  const flag = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const num = (name: string, dflt: number): number => Number(flag(name) ?? dflt);
  const mode = flag('--mode') ?? 'rl';
  if (mode !== 'rl' && mode !== 'supervised') throw new Error(`--mode must be rl or supervised, got ${mode}`);
  const initL2 = flag('--init-stacking') === undefined ? null : num('--init-stacking', 0);
  const o: FitOptions = { mode, steps: num('--steps', 40_000), lr: num('--lr', 0.05), batch: num('--batch', 256), initL2, seed: num('--seed', 0) };
  const folds = num('--folds', 3);
  await initBackend();
  const data = await loadAnswerData(path);
  const accs: number[] = [];
  for (let f = 0; f < Math.min(folds, num('--run-folds', folds)); f++) accs.push(fitAndScore(cvFold(data, folds, f, o.seed), o));
  const cv = (100 * accs.reduce((a, b) => a + b, 0)) / accs.length;
  console.log(JSON.stringify({ ...o, cvAccuracy: +cv.toFixed(2), folds: accs.map((a) => +(100 * a).toFixed(2)) }));
}

await main();
