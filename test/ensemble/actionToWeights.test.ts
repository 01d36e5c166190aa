import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnsembleInputError } from '../../src/ensemble/EnsembleInputError.js';
import {
  actionToWeights,
  concentrationWeights,
  dirichletWeights,
  effectiveInclude,
  includeWeights,
  softmaxWeights,
} from '../../src/ensemble/actionToWeights.js';
import { InvalidActionError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';

function assertSimplex(w: Float64Array): void {
  let s = 0;
  for (const x of w) {
    assert.ok(Number.isFinite(x) && x >= 0, `weight ${x}`);
    s += x;
  }
  assert.ok(Math.abs(s - 1) < 1e-9, `sum ${s}`);
}

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const nonNeg = fc.double({ min: 0, noNaN: true, noDefaultInfinity: true });
const vec = (a: fc.Arbitrary<number>) => fc.array(a, { minLength: 1, maxLength: 8 });

test('softmax of any finite logits is on the simplex', () => {
  fc.assert(
    fc.property(vec(finite), (l) => assertSimplex(softmaxWeights(l))),
    { numRuns: 300 },
  );
});

test('concentrations (any finite >= 0) normalise onto the simplex; all-zero is uniform', () => {
  fc.assert(
    fc.property(vec(nonNeg), (c) => assertSimplex(concentrationWeights(c))),
    { numRuns: 300 },
  );
  assert.deepEqual(Array.from(concentrationWeights([0, 0])), [0.5, 0.5]);
  assert.deepEqual(Array.from(concentrationWeights([1, 3])), [0.25, 0.75]);
});

test('Dirichlet draws are on the simplex, seeded, and have mean c/Σc', () => {
  fc.assert(
    fc.property(vec(nonNeg), fc.integer(), (c, seed) => {
      const a = dirichletWeights(c, new Rng(seed));
      assertSimplex(a);
      assert.deepEqual(dirichletWeights(c, new Rng(seed)), a);
    }),
    { numRuns: 300 },
  );
  const rng = new Rng(1);
  const mean = [0, 0, 0];
  const n = 4000;
  for (let k = 0; k < n; k++) dirichletWeights([1, 2, 5], rng).forEach((w, i) => (mean[i] += w / n));
  [1 / 8, 2 / 8, 5 / 8].forEach((m, i) => assert.ok(Math.abs(mean[i] - m) < 0.02, `mean ${i}: ${mean[i]}`));
  // Tiny concentrations do not underflow to zero weights.
  assertSimplex(dirichletWeights([1e-9, 1e-9], new Rng(3)));
});

test('include bits x weights: included agents only, renormalised; none included -> the largest weight', () => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 8 })
        .chain((n) => fc.tuple(fc.array(fc.integer({ min: 0, max: 1 }), { minLength: n, maxLength: n }), fc.array(nonNeg, { minLength: n, maxLength: n }))),
      ([bits, w]) => {
        const out = includeWeights(bits, w);
        assertSimplex(out);
        const mask = effectiveInclude(bits, w);
        out.forEach((x, i) => mask[i] === 0 && assert.equal(x, 0));
        assert.ok(mask.some((b) => b === 1));
      },
    ),
    { numRuns: 300 },
  );
  assert.deepEqual(Array.from(includeWeights([0, 0, 0], [0.2, 0.5, 0.3])), [0, 1, 0]);
  assert.deepEqual(
    Array.from(includeWeights([1, 0, 1], [0.2, 0.5, 0.3])).map((x) => +x.toFixed(6)),
    [0.4, 0, 0.6],
  );
  assert.deepEqual(Array.from(includeWeights([1, 1, 0], [0, 0, 1])), [0.5, 0.5, 0]);
  assert.deepEqual(Array.from(effectiveInclude([0, 0])), [1, 0]);
});

test('NaN and ±Inf are rejected with an InvalidActionError naming the agent and the space', () => {
  const ctx = { agents: ['m0', 'm1'], space: 'Box(-10, 10, [1], float32)' };
  for (const bad of [NaN, Infinity, -Infinity]) {
    for (const f of [
      () => softmaxWeights([0, bad], ctx),
      () => concentrationWeights([1, bad], ctx),
      () => dirichletWeights([1, bad], new Rng(0), ctx),
      () => includeWeights([1, 1], [1, bad], ctx),
    ]) {
      assert.throws(f, (e: unknown) => e instanceof InvalidActionError && e.agent === 'm1' && /Box\(-10, 10/.test(e.message));
    }
  }
  assert.throws(() => concentrationWeights([1, -1], ctx), InvalidActionError);
  assert.throws(() => includeWeights([1, 2], [1, 1], ctx), InvalidActionError);
});

test('actionToWeights dispatches on the parameterisation and writes into out', () => {
  const out = new Float64Array(2);
  assert.equal(actionToWeights('softmax', [0, 0], { out }), out);
  assert.deepEqual(Array.from(out), [0.5, 0.5]);
  assertSimplex(actionToWeights('concentration', [2, 1]));
  assertSimplex(actionToWeights('dirichlet', [2, 1], { rng: new Rng(0) }));
  assert.throws(
    () => actionToWeights('dirichlet', [2, 1]),
    (e: unknown) => e instanceof EnsembleInputError && /rng/.test(e.message),
  );
  assert.throws(
    () => actionToWeights('softmax', []),
    (e: unknown) => e instanceof EnsembleInputError && /one action per agent/.test(e.message),
  );
  assert.throws(
    () => includeWeights([1], [1, 1]),
    (e: unknown) => e instanceof EnsembleInputError && /bits/.test(e.message),
  );
  assert.throws(
    () => softmaxWeights([1, 2], undefined, new Float64Array(3)),
    (e: unknown) => e instanceof EnsembleInputError && /out/.test(e.message),
  );
});
