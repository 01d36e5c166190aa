import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../src/core/Rng.js';

test('same seed gives the same stream; state() restores it exactly', () => {
  fc.assert(
    fc.property(fc.integer(), fc.nat(50), (seed, skip) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < skip; i++) {
        a.next();
        b.next();
      }
      const saved = Rng.fromState(JSON.parse(JSON.stringify(a.state())));
      const xs = Array.from({ length: 5 }, () => a.next());
      assert.deepEqual(
        Array.from({ length: 5 }, () => b.next()),
        xs,
      );
      assert.deepEqual(
        Array.from({ length: 5 }, () => saved.next()),
        xs,
      );
    }),
    { numRuns: 200 },
  );
});

test('fork streams are independent of draws on the parent', () => {
  const a = new Rng(7);
  const f1 = a.fork('env').next();
  a.next();
  assert.equal(a.fork('env').next(), f1);
  assert.notEqual(a.fork('policy').next(), f1);
});
