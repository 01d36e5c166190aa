import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';
import { argmaxWithTies, bestFixedWeights, fuseAnswer, fusedDistribution, fusionAccuracy } from '../../src/ensemble/fuseAnswers.js';

const items = [
  {
    probs: [
      [0.9, 0.1],
      [0.2, 0.8],
    ],
    numOptions: 2,
    label: 0,
  },
  {
    probs: [
      [0.6, 0.4],
      [0.1, 0.9],
    ],
    numOptions: 2,
    label: 1,
  },
  {
    probs: [
      [0.3, 0.7],
      [0.45, 0.55],
    ],
    numOptions: 2,
    label: 1,
  },
];

test('fused distribution and answer on a hand case; near-ties go to the lowest option', () => {
  assert.deepEqual(
    Array.from(fusedDistribution(items[0].probs, [0.5, 0.5], 2)).map((x) => +x.toFixed(12)),
    [0.55, 0.45],
  );
  assert.equal(fuseAnswer(items[0].probs, [0.5, 0.5], 2), 0);
  assert.equal(fuseAnswer(items[0].probs, [0, 1], 2), 1);
  assert.equal(argmaxWithTies([0.5, 0.5 + 1e-12, 0.2]), 0);
  assert.equal(argmaxWithTies([0.1, 0.3, 0.2]), 1);
});

test('fusion accuracy and the best fixed weighting on a grid', () => {
  assert.equal(fusionAccuracy(items, [1, 0]), 2 / 3);
  assert.equal(fusionAccuracy(items, [0, 1]), 2 / 3);
  const best = bestFixedWeights(items, 2, 10);
  assert.equal(best.accuracy, 1);
  assert.equal(fusionAccuracy(items, best.weights), 1);
  assert.equal(fusionAccuracy([], [1]), 0);
  assert.throws(
    () => bestFixedWeights(items, 0),
    (e: unknown) => e instanceof EnsembleInputError && /numModels/.test(e.message),
  );
  assert.throws(
    () => bestFixedWeights(items, 2, 1.5),
    (e: unknown) => e instanceof EnsembleInputError && /steps/.test(e.message),
  );
});

test('the best grid weighting is at least as good as every single model and uniform weights', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
          fc.integer({ min: 0, max: 2 }),
        ),
        { minLength: 1, maxLength: 12 },
      ),
      (raw) => {
        const its = raw.map(([a, b, label]) => ({ probs: [a, b], numOptions: 3, label }));
        const best = bestFixedWeights(its, 2, 4);
        for (const w of [
          [1, 0],
          [0, 1],
          [0.5, 0.5],
        ])
          assert.ok(best.accuracy >= fusionAccuracy(its, w));
        assert.ok(Math.abs(best.weights.reduce((s, x) => s + x, 0) - 1) < 1e-12);
      },
    ),
    { numRuns: 200 },
  );
});
