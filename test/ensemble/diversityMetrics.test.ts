import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';
import {
  correlationCoefficient,
  disagreement,
  diversityMetrics,
  doubleFault,
  entropyMeasure,
  fleissKappa,
  pluralityVoteAccuracy,
  qStatistic,
} from '../../src/ensemble/diversityMetrics.js';

const near = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

test('pairwise measures on a hand-counted pair (N11=2, N00=1, N10=1, N01=1)', () => {
  const a = [1, 1, 0, 0, 1];
  const b = [1, 0, 1, 0, 1];
  near(qStatistic(a, b), 1 / 3);
  near(correlationCoefficient(a, b), 1 / 6);
  near(disagreement(a, b), 2 / 5);
  near(doubleFault(a, b), 1 / 5);
  assert.equal(qStatistic([1, 1], [1, 1]), 0, 'undefined Q is 0');
});

test('non-pairwise measures on a hand-counted ensemble', () => {
  const c = [
    [0, 0, 1, 1],
    [0, 1, 0, 1],
    [0, 1, 1, 0],
  ];
  // Right counts per item: 0, 2, 2, 2.
  near(entropyMeasure(c), 3 / 4);
  const r = diversityMetrics(c);
  near(r.kohaviWolpert, 6 / 36);
  near(r.kappa, 0);
  near(r.disagreement, 2 / 4);
  near(r.doubleFault, 1 / 4);
});

test("Fleiss' kappa: full agreement 1, systematic disagreement -1", () => {
  near(
    fleissKappa([
      [0, 1],
      [0, 1],
    ]),
    1,
  );
  near(
    fleissKappa([
      [0, 1],
      [1, 0],
    ]),
    -1,
  );
  assert.equal(
    fleissKappa(
      [
        [2, 2],
        [2, 2],
      ],
      3,
    ),
    1,
    'all ratings in one category',
  );
  assert.throws(
    () =>
      fleissKappa(
        [
          [0, 3],
          [1, 1],
        ],
        2,
      ),
    (e: unknown) => e instanceof EnsembleInputError && /ratings\[0\]\[1\].*outside/.test(e.message),
  );
  assert.throws(
    () =>
      fleissKappa(
        [
          [0, 1],
          [1, 1],
        ],
        0,
      ),
    (e: unknown) => e instanceof EnsembleInputError && /numCategories/.test(e.message),
  );
});

test('plurality vote with ties broken to the smallest label', () => {
  const preds = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 2, 0],
  ];
  near(pluralityVoteAccuracy(preds, [0, 2, 0]), 1);
  near(pluralityVoteAccuracy(preds, [0, 2, 2]), 2 / 3);
});

test('every measure stays within its stated range', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 2, max: 5 })
        .chain((m) =>
          fc.array(
            fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 8 }).map((r) => r),
            { minLength: m, maxLength: m },
          ),
        )
        .map((rows) => rows.map((r) => r.concat(Array(8 - r.length).fill(1)))),
      (c) => {
        const r = diversityMetrics(c);
        const inR = (v: number, lo: number, hi: number, name: string) => assert.ok(v >= lo - 1e-12 && v <= hi + 1e-12, `${name} = ${v}`);
        inR(r.qStatistic, -1, 1, 'Q');
        inR(r.correlation, -1, 1, 'rho');
        inR(r.disagreement, 0, 1, 'D');
        inR(r.doubleFault, 0, 1, 'DF');
        inR(r.entropy, 0, 1, 'E');
        inR(r.kohaviWolpert, 0, 0.25, 'KW');
        inR(r.kappa, -1, 1, 'kappa');
        inR(pluralityVoteAccuracy(c, c[0]), 0, 1, 'vote');
      },
    ),
    { numRuns: 300 },
  );
});
