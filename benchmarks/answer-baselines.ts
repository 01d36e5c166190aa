// Question: how much faster are the fit-answers baselines' two costly fits than the plain loops they
// replace, and do they give the same results? Side by side on the same train items:
// - best fixed weights: `bestFixedWeights` against scoring every grid point with `fusionAccuracy`;
// - stacking cross-validation (4 penalties × 3 folds, global): `StackedSoftmaxRegression.fitOn` over one
//   shared feature layout against a dense fit that lays out each fit's items itself and multiplies
//   the whole option one-hot.
// Prints seconds, the ratio reference / fast, and whether the chosen weights, accuracies and fitted
// coefficients are identical (exits 1 when they are not). The whole `answerBaselines` is timed too.
//
//   npx tsx benchmarks/answer-baselines.ts [--smoke] [--data FILE] [--seed N]
import { StackedSoftmaxRegression, type StackedSoftmaxOptions } from '../src/agents/baselines/StackedSoftmaxRegression.js';
import { StackingFeatures, writeStackingFeatures } from '../src/agents/baselines/StackingFeatures.js';
import { renderTable } from '../src/cli/renderTable.js';
import { bestFixedWeights, fusionAccuracy, type FusableItem } from '../src/ensemble/fuseAnswers.js';
import { itemsOf, loadAnswerData, type AnswerDataset, type AnswerItem } from '../src/envs/answerData.js';
import { answerBaselines, STACKING_FOLDS, STACKING_L2_GRID, trainFolds } from '../src/experiments/answers/answerBaselines.js';
import { syntheticAnswers } from '../src/testing/syntheticAnswers.js';
import { benchArgs, machineInfo, versionsOf, writeBenchResult } from './lib/benchReport.js';

const { smoke, args, flag } = benchArgs();
const seed = flag('--seed') ?? 0;
const dataFile = args.includes('--data') ? args[args.indexOf('--data') + 1] : undefined;
const data: AnswerDataset = dataFile
  ? await loadAnswerData(dataFile)
  : syntheticAnswers({ seed, numItems: smoke ? 150 : 2400, numOptions: 4, generalists: smoke ? 1 : 3 });
const steps = smoke ? 6 : 20;
const iterations = smoke ? 20 : 200;
const train = itemsOf(data, 'train');
const n = data.models.length;

/** The grid search as one `fusionAccuracy` per grid point (same grid order and tie rule). */
function referenceBestFixedWeights(items: readonly FusableItem[]): { weights: number[]; accuracy: number } {
  let best = { weights: [] as number[], accuracy: -1 };
  const counts = new Array<number>(n).fill(0);
  const visit = (i: number, left: number): void => {
    if (i === n - 1) {
      counts[i] = left;
      const w = counts.map((c) => c / steps);
      const acc = fusionAccuracy(items, w);
      if (acc > best.accuracy) best = { weights: w, accuracy: acc };
      return;
    }
    for (let c = 0; c <= left; c++) {
      counts[i] = c;
      visit(i + 1, left - c);
    }
  };
  visit(0, steps);
  return best;
}

/** The stacking fit with each option's full feature vector (per-model features and option one-hot) laid out per fit. */
function referenceStackedFit(items: readonly AnswerItem[], opts: Required<Omit<StackedSoftmaxOptions, 'optionBias'>>): Float64Array {
  const { numModels, maxOptions: kMax, l2, iterations: T, learningRate } = opts;
  const penalised = 3 * numModels;
  const dim = penalised + kMax;
  const rows = items.map((it) => {
    const x = new Float64Array(it.numOptions * dim);
    for (let k = 0; k < it.numOptions; k++) {
      writeStackingFeatures(it, k, numModels, x, k * dim);
      x[k * dim + penalised + k] = 1;
    }
    return x;
  });
  const [w, m, v, g] = [0, 0, 0, 0].map(() => new Float64Array(dim));
  const z = new Float64Array(kMax);
  const b1 = 0.9,
    b2 = 0.999;
  for (let t = 1; t <= T; t++) {
    g.fill(0);
    items.forEach((it, j) => {
      const x = rows[j];
      let mx = -Infinity;
      for (let k = 0; k < it.numOptions; k++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += w[d] * x[k * dim + d];
        z[k] = s;
        if (s > mx) mx = s;
      }
      let sum = 0;
      for (let k = 0; k < it.numOptions; k++) sum += z[k] = Math.exp(z[k] - mx);
      for (let k = 0; k < it.numOptions; k++) {
        const err = z[k] / sum - (k === it.label ? 1 : 0);
        if (err === 0) continue;
        for (let d = 0; d < dim; d++) g[d] += err * x[k * dim + d];
      }
    });
    for (let d = 0; d < dim; d++) {
      const gd = g[d] / items.length + (d < penalised ? l2 * w[d] : 0);
      m[d] = b1 * m[d] + (1 - b1) * gd;
      v[d] = b2 * v[d] + (1 - b2) * gd * gd;
      w[d] -= (learningRate * (m[d] / (1 - b1 ** t))) / (Math.sqrt(v[d] / (1 - b2 ** t)) + 1e-8);
    }
  }
  return w;
}

function timed<T>(body: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  const value = body();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

interface Row {
  readonly part: string;
  readonly referenceSeconds: number;
  readonly fastSeconds: number;
  readonly ratio: number;
  readonly identical: boolean;
}
const rows: Row[] = [];
const row = (part: string, ref: { seconds: number }, fast: { seconds: number }, identical: boolean): void => {
  rows.push({ part, referenceSeconds: ref.seconds, fastSeconds: fast.seconds, ratio: ref.seconds / fast.seconds, identical });
};

const raw = train.map((it) => ({ probs: it.scores ?? it.probs, numOptions: it.numOptions, label: it.label }));
for (const [part, items] of [
  ['best fixed weights (normalised scores)', train],
  ['best fixed weights (recorded scores)', raw],
] as const) {
  const ref = timed(() => referenceBestFixedWeights(items));
  const fast = timed(() => bestFixedWeights(items, n, steps));
  row(part, ref, fast, JSON.stringify(ref.value) === JSON.stringify(fast.value));
}

const fold = trainFolds(train, data.tasks, STACKING_FOLDS, seed);
const fits = STACKING_L2_GRID.flatMap((l2) => Array.from({ length: STACKING_FOLDS }, (_, f) => ({ l2, f })));
const opts = (l2: number) => ({ numModels: n, maxOptions: data.maxOptions, l2, iterations, learningRate: 0.1 });
const ref = timed(() =>
  fits.map(({ l2, f }) =>
    referenceStackedFit(
      train.filter((_, j) => fold[j] !== f),
      opts(l2),
    ),
  ),
);
const fast = timed(() => {
  const features = StackingFeatures.of(train, n);
  const all = Int32Array.from(train.keys());
  return fits.map(
    ({ l2, f }) =>
      StackedSoftmaxRegression.fitOn(
        features,
        all.filter((j) => fold[j] !== f),
        opts(l2),
      ).coef,
  );
});
row(
  `stacking CV fits (${fits.length} global fits)`,
  ref,
  fast,
  ref.value.every((w, i) => w.every((x, d) => Object.is(x, fast.value[i][d]))),
);

const whole = timed(() => answerBaselines(data, seed));

console.log(
  renderTable(
    ['part', 'reference s', 'fast s', 'ratio', 'identical'],
    rows.map((r) => [r.part, r.referenceSeconds.toFixed(3), r.fastSeconds.toFixed(3), `${r.ratio.toFixed(1)}x`, r.identical ? 'yes' : 'NO']),
  ),
);
const allSame = rows.every((r) => r.identical);
console.log(
  `answerBaselines: ${whole.seconds.toFixed(2)} s on ${train.length} train items, ${n} models; results identical: ${allSame ? 'yes' : 'NO'}${smoke ? ' [smoke: tiny sizes, figures are rough]' : ''}`,
);

writeBenchResult('answer-baselines', smoke, {
  benchmark: 'answer-baselines',
  seed,
  smoke,
  data: { source: data.source, train: train.length, models: n, maxOptions: data.maxOptions, steps, iterations },
  versions: versionsOf(),
  machine: machineInfo(),
  rows,
  answerBaselinesSeconds: whole.seconds,
});
if (!allSame) process.exit(1);
