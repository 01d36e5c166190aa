import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StackedSoftmaxRegression } from '../../src/agents/baselines/StackedSoftmaxRegression.js';
import { StackingFeatures } from '../../src/agents/baselines/StackingFeatures.js';
import { ConfigError } from '../../src/core/errors.js';
import { itemsOf } from '../../src/envs/answerData.js';
import { answerBaselines, STACKING_L2_GRID, trainFolds } from '../../src/experiments/answers/answerBaselines.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';

const data = syntheticAnswers({ seed: 5, numItems: 240 });
const test_ = itemsOf(data, 'test');
const train = itemsOf(data, 'train');

test('answerBaselines: every row, fitted on train, with per-task accuracies that average to the overall one', () => {
  const rows = answerBaselines(data, 0);
  const names = rows.map((r) => r.method);
  for (const m of [
    'expert_a alone',
    'uniform weights',
    'best single model',
    'per-task best single',
    'plurality vote',
    'mean of scores',
    'best fixed weights',
    'stacked softmax regression (global)',
    'stacked softmax regression (per task)',
    'oracle (any model right)',
  ]) {
    assert.ok(names.includes(m), m);
  }
  const oracle = rows.find((r) => r.method.startsWith('oracle'))!;
  for (const r of rows) {
    assert.ok(r.accuracy <= oracle.accuracy + 1e-12, `${r.method} is not above the oracle`);
    const weighted = data.tasks.reduce((s, t) => s + (r.perTask[t] ?? 0) * test_.filter((it) => it.task === t).length, 0) / test_.length;
    assert.ok(Math.abs(weighted - r.accuracy) < 1e-12, `${r.method}: per-task accuracies weigh up to the overall one`);
  }
  // The data is built so that the right model depends on the task: per-task choices beat global ones.
  const acc = (m: string) => rows.find((r) => r.method === m)!.accuracy;
  assert.ok(acc('per-task best single') > acc('best single model'));
  assert.ok(acc('stacked softmax regression (per task)') >= acc('per-task best single') - 0.02);
  const l2 = Number(rows.find((r) => r.method === 'stacked softmax regression (per task)')!.chosen!.slice(3));
  assert.ok(STACKING_L2_GRID.includes(l2));
});

test('answerBaselines never reads test labels: changing them changes no fitted choice', () => {
  const flipped = { ...data, items: data.items.map((it) => (it.split === 'test' ? { ...it, label: (it.label + 1) % it.numOptions } : it)) };
  const a = answerBaselines(data, 0);
  const b = answerBaselines(flipped, 0);
  a.forEach((r, i) => assert.deepEqual([r.method, r.chosen, r.weights], [b[i].method, b[i].chosen, b[i].weights]));
});

test('trainFolds spreads every task over the folds', () => {
  const fold = trainFolds(train, data.tasks, 3, 0);
  for (const t of data.tasks) {
    const counts = [0, 0, 0];
    train.forEach((it, j) => it.task === t && counts[fold[j]]++);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${t}: ${counts}`);
  }
});

test('StackedSoftmaxRegression learns a model that is reliably wrong in a known way', () => {
  // On two-option items model 0 always puts its top score on the wrong option: a convex mixture cannot use it, stacking can (negative coefficient).
  const items = Array.from({ length: 60 }, (_, i) => {
    const label = i % 2;
    const p = Float32Array.from([0, 1], (k) => (k === label ? 0.2 + (i % 5) / 50 : 0.8 - (i % 5) / 50));
    return { id: String(i), task: 't', split: 'train' as const, label, numOptions: 2, probs: [p] };
  });
  const m = StackedSoftmaxRegression.fit(items, { numModels: 1, maxOptions: 2, l2: 1e-4, iterations: 300 });
  assert.equal(items.filter((it) => m.predict(it) === it.label).length, items.length);
});

test('StackedSoftmaxRegression.fitOn a subset of a shared layout is the fit on those items, coefficient for coefficient', () => {
  const features = StackingFeatures.of(train, data.models.length);
  const subset = Int32Array.from(train.keys()).filter((j) => j % 3 !== 1);
  const opts = { numModels: data.models.length, maxOptions: data.maxOptions, l2: 1e-3, iterations: 50 };
  const shared = StackedSoftmaxRegression.fitOn(features, subset, opts);
  const alone = StackedSoftmaxRegression.fit(
    Array.from(subset, (j) => train[j]),
    opts,
  );
  assert.deepEqual(Array.from(shared.coef), Array.from(alone.coef));
  assert.throws(
    () => StackedSoftmaxRegression.fitOn(features, subset, { ...opts, maxOptions: 1 }),
    (e: unknown) => e instanceof ConfigError && /maxOptions/.test(e.message),
  );
});
