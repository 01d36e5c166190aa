import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';
import { focalDiversity } from '../../src/ensemble/focalDiversity.js';

// Each model wrong on item 0 and on one item of its own.
const correct = [
  [0, 0, 1, 1],
  [0, 1, 0, 1],
  [0, 1, 1, 0],
];

test('hand-computed: three models sharing one failure each have focal diversity 1/4', () => {
  // Member 0 fails on items 0 (k=3) and 1 (k=1): p(1) = (3+1)/(3·2) = 2/3, p(2) = (6+0)/(3·2·2) = 1/2.
  assert.ok(Math.abs(focalDiversity(correct, [0, 1, 2]) - 0.25) < 1e-12);
});

test('hand-computed: a pair sharing one of two failures has focal diversity 1/3', () => {
  // Member 0 fails on items 0 (k=2) and 1 (k=1): p(1) = 3/4, p(2) = 2/4.
  assert.ok(Math.abs(focalDiversity(correct, [0, 1]) - 1 / 3) < 1e-12);
});

test('identical models have diversity 0; disjoint failures have diversity 1; conventions for edge cases', () => {
  assert.equal(
    focalDiversity(
      [
        [1, 0, 0],
        [1, 0, 0],
      ],
      [0, 1],
    ),
    0,
  );
  assert.equal(
    focalDiversity(
      [
        [0, 1, 1],
        [1, 0, 1],
        [1, 1, 0],
      ],
      [0, 1, 2],
    ),
    1,
  );
  assert.equal(
    focalDiversity(
      [
        [1, 1],
        [1, 1],
      ],
      [0, 1],
    ),
    1,
    'no failures at all: nothing shared',
  );
  assert.equal(
    focalDiversity(
      [
        [1, 0],
        [1, 1],
      ],
      [0, 1],
    ),
    1,
    'a never-wrong member is left out',
  );
  assert.equal(focalDiversity(correct, [1]), 0, 'a single model has nobody to disagree with');
  assert.throws(
    () => focalDiversity(correct, [0, 5]),
    (e: unknown) => e instanceof EnsembleInputError && /subset member 5/.test(e.message),
  );
  assert.throws(
    () => focalDiversity([[1, 0], [1]], [0, 1]),
    (e: unknown) => e instanceof EnsembleInputError && e.call === 'focalDiversity' && /every model must answer the same items/.test(e.message),
  );
});

test('focal diversity lies in [0, 1] and does not depend on the order of the subset', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 5 }).chain((m) => fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), { minLength: m, maxLength: m })),
      (c) => {
        const all = c.map((_, i) => i);
        const d = focalDiversity(c, all);
        assert.ok(d >= -1e-12 && d <= 1 + 1e-12, `diversity ${d}`);
        assert.ok(Math.abs(focalDiversity(c, all.slice().reverse()) - d) < 1e-12);
      },
    ),
    { numRuns: 300 },
  );
});
