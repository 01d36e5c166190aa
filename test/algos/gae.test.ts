import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeGae } from '../../src/algos/gae.js';

/** Reference: returns by explicit λ-return sums over each episode segment. */
function naive(r: number[], v: number[], term: boolean[], trunc: boolean[], fin: number[], next: number, gamma: number, lambda: number): number[] {
  const T = r.length;
  const adv: number[] = [];
  for (let t = 0; t < T; t++) {
    let a = 0;
    let w = 1;
    for (let k = t; k < T; k++) {
      const nv = term[k] ? 0 : trunc[k] ? fin[k] : k === T - 1 ? next : v[k + 1];
      a += w * (r[k] + gamma * nv - v[k]);
      if (term[k] || trunc[k]) break;
      w *= gamma * lambda;
    }
    adv.push(a);
  }
  return adv;
}

test('GAE equals the explicit sum of discounted TD errors, stopping at episode ends', () => {
  const step = fc.record({
    r: fc.double({ min: -1, max: 1, noNaN: true }),
    v: fc.double({ min: -1, max: 1, noNaN: true }),
    f: fc.double({ min: -1, max: 1, noNaN: true }),
    end: fc.constantFrom('none', 'term', 'trunc'),
  });
  fc.assert(
    fc.property(
      fc.array(step, { minLength: 1, maxLength: 20 }),
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (steps, next, gamma, lambda) => {
        const r = steps.map((s) => s.r),
          v = steps.map((s) => s.v),
          fin = steps.map((s) => s.f);
        const term = steps.map((s) => s.end === 'term'),
          trunc = steps.map((s) => s.end === 'trunc');
        const got = computeGae({ rewards: r, values: v, terminated: term, truncated: trunc, finalValues: fin, nextValue: next, gamma, lambda });
        const want = naive(r, v, term, trunc, fin, next, gamma, lambda);
        return want.every((a, i) => Math.abs(a - got.advantages[i]) < 1e-9 && Math.abs(got.returns[i] - (a + v[i])) < 1e-9);
      },
    ),
    { numRuns: 300 },
  );
});

test('truncation bootstraps from V(final obs); termination does not', () => {
  const base = { rewards: [1], values: [0], finalValues: [10], nextValue: 5, gamma: 0.5, lambda: 1 };
  assert.equal(computeGae({ ...base, terminated: [true], truncated: [false] }).returns[0], 1);
  assert.equal(computeGae({ ...base, terminated: [false], truncated: [true] }).returns[0], 6);
  assert.equal(computeGae({ ...base, terminated: [false], truncated: [false] }).returns[0], 3.5);
});
