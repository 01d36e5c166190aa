import { StackedSoftmaxRegression } from '../../agents/baselines/StackedSoftmaxRegression.js';
import { StackingFeatures } from '../../agents/baselines/StackingFeatures.js';
import { Rng } from '../../core/Rng.js';
import { itemsOf, type AnswerDataset, type AnswerItem } from '../../envs/answerData.js';
import { argmaxWithTies, bestFixedWeights, fuseAnswer, type FusableItem } from '../../ensemble/fuseAnswers.js';

/** One row of the fit-answers table: a method's test accuracy overall and per task. */
export interface AnswerMethodResult {
  readonly method: string;
  readonly accuracy: number;
  /** Test accuracy per task (keys: the dataset's task names). */
  readonly perTask: Readonly<Record<string, number>>;
  /** Mean number of models whose answers the method used. */
  readonly meanSize: number;
  readonly wallSeconds: number;
  /** Fixed weights found on the train split (fixed-weight rows). */
  readonly weights?: readonly number[];
  /** What was chosen on the train split (a model, an L2 penalty, a representation). */
  readonly chosen?: string;
  /** Share of test items whose sub-ensemble included each model (decider rows; agent order). */
  readonly selectionFrequency?: readonly number[];
}

/** The row of a method from its per-item correctness on the test items. */
export function methodRow(
  method: string,
  test: readonly AnswerItem[],
  tasks: readonly string[],
  correct: ArrayLike<number>,
  extra: Omit<AnswerMethodResult, 'method' | 'accuracy' | 'perTask'>,
): AnswerMethodResult {
  let right = 0;
  const hits = new Map<string, [number, number]>(tasks.map((t) => [t, [0, 0]]));
  test.forEach((it, j) => {
    const h = hits.get(it.task)!;
    h[1] += 1;
    if (correct[j]) {
      h[0] += 1;
      right += 1;
    }
  });
  const perTask = Object.fromEntries([...hits].filter(([, h]) => h[1] > 0).map(([t, h]) => [t, h[0] / h[1]]));
  return { method, accuracy: test.length ? right / test.length : 0, perTask, ...extra };
}

/** The item with its recorded scores in place of the normalised ones (for fusions that read raw scores). */
function rawItem(it: AnswerItem): FusableItem {
  return { probs: it.scores ?? it.probs, numOptions: it.numOptions, label: it.label };
}

/** Top option of model m on `it`. */
function top(it: AnswerItem, m: number): number {
  return argmaxWithTies(it.probs[m], it.numOptions);
}

function accuracyOf(items: readonly AnswerItem[], predict: (it: AnswerItem) => number): number {
  let right = 0;
  for (const it of items) if (predict(it) === it.label) right++;
  return items.length ? right / items.length : 0;
}

/** Plurality vote of the models' top answers (ties: the larger summed confidence, then the lower index). */
export function pluralityVote(it: AnswerItem, members?: readonly number[]): number {
  const votes = new Float64Array(it.numOptions);
  const conf = new Float64Array(it.numOptions);
  for (const m of members ?? it.probs.map((_, i) => i)) {
    const t = top(it, m);
    votes[t] += 1;
    conf[t] += it.probs[m][t];
  }
  let win = 0;
  for (let k = 1; k < it.numOptions; k++) if (votes[k] > votes[win] || (votes[k] === votes[win] && conf[k] > conf[win])) win = k;
  return win;
}

/** Train items split into `folds` folds, seeded and per task (fold index per item). */
export function trainFolds(train: readonly AnswerItem[], tasks: readonly string[], folds: number, seed: number): Int32Array {
  const fold = new Int32Array(train.length);
  for (const task of tasks) {
    const idx: number[] = [];
    train.forEach((it, j) => it.task === task && idx.push(j));
    new Rng(`${seed}/folds/${task}`).permutation(idx.length).forEach((p, r) => (fold[idx[p]] = r % folds));
  }
  return fold;
}

/** L2 penalties the stacking baselines choose from by cross-validation. */
export const STACKING_L2_GRID: readonly number[] = [1e-4, 1e-3, 1e-2, 1e-1];

/** Folds of the stacking cross-validation. */
export const STACKING_FOLDS = 3;

/**
 * A stacking fit on the train items `subset` (indices into `train`, laid out in `features`), global
 * (one regression) or per task (one per task, and the global one for tasks without train items), as a predictor.
 */
function fitStacking(
  train: readonly AnswerItem[],
  features: StackingFeatures,
  subset: Int32Array,
  data: AnswerDataset,
  perTask: boolean,
  l2: number,
): (it: AnswerItem) => number {
  const opts = { numModels: data.models.length, maxOptions: data.maxOptions, l2 };
  const fit = (rows: Int32Array): StackedSoftmaxRegression => StackedSoftmaxRegression.fitOn(features, rows, opts);
  if (!perTask) {
    const m = fit(subset);
    return (it) => m.predict(it);
  }
  const byTask = new Map<string, StackedSoftmaxRegression>();
  for (const t of data.tasks) {
    const sub = subset.filter((j) => train[j].task === t);
    if (sub.length > 0) byTask.set(t, fit(sub));
  }
  // [stacking] the global fit only answers items of tasks without train items, so it is fitted on first need.
  let global: StackedSoftmaxRegression | undefined;
  return (it) => (byTask.get(it.task) ?? (global ??= fit(subset))).predict(it);
}

/** The L2 penalty with the best cross-validated train accuracy (ties: the larger penalty), and that accuracy. */
function chooseL2(train: readonly AnswerItem[], features: StackingFeatures, data: AnswerDataset, perTask: boolean, seed: number): { l2: number; cv: number } {
  const fold = trainFolds(train, data.tasks, STACKING_FOLDS, seed);
  const all = Int32Array.from(train.keys());
  const rest = Array.from({ length: STACKING_FOLDS }, (_, f) => all.filter((j) => fold[j] !== f));
  let best = { l2: STACKING_L2_GRID[0], cv: -1 };
  for (const l2 of STACKING_L2_GRID) {
    let right = 0;
    for (let f = 0; f < STACKING_FOLDS; f++) {
      const fit = fitStacking(train, features, rest[f], data, perTask, l2);
      train.forEach((it, j) => fold[j] === f && fit(it) === it.label && right++);
    }
    const cv = right / train.length;
    if (cv >= best.cv) best = { l2, cv };
  }
  return best;
}

/**
 * Every baseline of the fit-answers table, fitted on the train split only and scored on the test
 * split, overall and per task: each model alone, uniform weights, best single model (chosen on
 * train), per-task best single, plurality vote, mean of the recorded scores, the best fixed weights
 * (a 1/20 simplex grid over normalised and over recorded scores, chosen on train), stacked softmax
 * regression global and per task (L2 chosen by cross-validation on train) and the oracle (right
 * when any model's top answer is).
 */
export function answerBaselines(data: AnswerDataset, seed: number): AnswerMethodResult[] {
  const train = itemsOf(data, 'train');
  const test = itemsOf(data, 'test');
  const n = data.models.length;
  const rows: AnswerMethodResult[] = [];
  const add = (method: string, predict: (it: AnswerItem) => number, meanSize: number, t0: number, extra: Partial<AnswerMethodResult> = {}): void => {
    const correct = Uint8Array.from(test, (it) => (predict(it) === it.label ? 1 : 0));
    rows.push(methodRow(method, test, data.tasks, correct, { meanSize, wallSeconds: (performance.now() - t0) / 1000, ...extra }));
  };
  let t0 = performance.now();
  for (let m = 0; m < n; m++) add(`${data.models[m]} alone`, (it) => top(it, m), 1, t0);
  const uniform = new Array<number>(n).fill(1 / n);
  t0 = performance.now();
  add('uniform weights', (it) => fuseAnswer(it.probs, uniform, it.numOptions), n, t0);
  t0 = performance.now();
  const trainAcc = data.models.map((_, m) => accuracyOf(train, (it) => top(it, m)));
  const best = trainAcc.indexOf(Math.max(...trainAcc));
  add('best single model', (it) => top(it, best), 1, t0, { chosen: data.models[best] });
  t0 = performance.now();
  const bestOfTask = new Map(
    data.tasks.map((t) => {
      const sub = train.filter((it) => it.task === t);
      const acc = data.models.map((_, m) => accuracyOf(sub, (it) => top(it, m)));
      return [t, sub.length ? acc.indexOf(Math.max(...acc)) : best];
    }),
  );
  add('per-task best single', (it) => top(it, bestOfTask.get(it.task) ?? best), 1, t0, {
    chosen: data.tasks.map((t) => `${t}: ${data.models[bestOfTask.get(t)!]}`).join('; '),
  });
  t0 = performance.now();
  add('plurality vote', (it) => pluralityVote(it), n, t0);
  t0 = performance.now();
  add('mean of scores', (it) => fuseAnswer(rawItem(it).probs, uniform, it.numOptions), n, t0);
  t0 = performance.now();
  const onProbs = bestFixedWeights(train, n, 20);
  const onRaw = bestFixedWeights(train.map(rawItem), n, 20);
  const useRaw = onRaw.accuracy > onProbs.accuracy;
  const fixed = useRaw ? onRaw : onProbs;
  add(
    'best fixed weights',
    (it) => fuseAnswer(useRaw ? rawItem(it).probs : it.probs, fixed.weights, it.numOptions),
    fixed.weights.filter((w) => w > 0).length,
    t0,
    { weights: fixed.weights, chosen: useRaw ? 'recorded scores' : 'normalised scores' },
  );
  // [stacking] every fit below reads its items' features from one layout of the train split.
  const features = StackingFeatures.of(train, n);
  const all = Int32Array.from(train.keys());
  for (const perTask of [false, true]) {
    t0 = performance.now();
    const { l2 } = chooseL2(train, features, data, perTask, seed);
    add(
      perTask ? 'stacked softmax regression (per task)' : 'stacked softmax regression (global)',
      fitStacking(train, features, all, data, perTask, l2),
      n,
      t0,
      {
        chosen: `l2=${l2}`,
      },
    );
  }
  t0 = performance.now();
  add('oracle (any model right)', (it) => (it.probs.some((_, m) => top(it, m) === it.label) ? it.label : -1), n, t0);
  return rows;
}
