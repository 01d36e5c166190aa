import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { logprobFeatures } from '../../../src/envs/decoding/logprobFeatures.js';

const logits = fc.array(fc.double({ min: -30, max: 30, noNaN: true }), { minLength: 1, maxLength: 64 }).map((xs) => Float32Array.from(xs));

test('property: exps receives exp(v − max v) per entry, and asking for it changes no feature', () => {
  fc.assert(
    fc.property(logits, fc.integer({ min: 0, max: 6 }), (lp, k) => {
      const plainOut = new Float32Array(k);
      const plain = logprobFeatures(lp, k, plainOut, 0);
      const out = new Float32Array(k);
      const exps = new Float64Array(lp.length + 2).fill(-1);
      const withExps = logprobFeatures(lp, k, out, 0, exps);
      assert.deepEqual(withExps, plain);
      assert.deepEqual(out, plainOut);
      let mx = -Infinity;
      for (const v of lp) if (v > mx) mx = v;
      assert.deepEqual(
        Array.from(exps.subarray(0, lp.length)),
        Array.from(lp, (v) => Math.exp(v - mx)),
      );
      assert.deepEqual(Array.from(exps.subarray(lp.length)), [-1, -1]);
    }),
    { numRuns: 200 },
  );
});

test('a top-k summary writes nothing into exps', () => {
  const exps = new Float64Array(3).fill(7);
  logprobFeatures({ ids: Int32Array.of(0, 2), logprobs: Float32Array.of(-0.5, -1.5), restMass: 0.17 }, 2, new Float32Array(2), 0, exps);
  assert.deepEqual(Array.from(exps), [7, 7, 7]);
});

test('property: expSum is the sum of the exponentials written to exps, added in index order', () => {
  fc.assert(
    fc.property(logits, (lp) => {
      const exps = new Float64Array(lp.length);
      const { expSum } = logprobFeatures(lp, 2, new Float32Array(2), 0, exps);
      let z = 0;
      for (let j = 0; j < lp.length; j++) z += exps[j];
      assert.ok(Object.is(expSum, z), `expSum ${expSum} differs from the in-order sum ${z}`);
    }),
    { numRuns: 200 },
  );
});
