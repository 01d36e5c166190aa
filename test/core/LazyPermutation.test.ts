import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LazyPermutation } from '../../src/core/LazyPermutation.js';
import { Rng } from '../../src/core/Rng.js';
import { EnsembleGymError } from '../../src/core/errors.js';

/** An Rng that counts its draws. */
function counting(seed: number): { rng: { int(n: number): number }; draws: () => number } {
  const r = new Rng(seed);
  let n = 0;
  return {
    rng: {
      int: (k) => {
        n += 1;
        return r.int(k);
      },
    },
    draws: () => n,
  };
}

test('every pass is a permutation of 0..size-1, also after restarts partway through', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 60 }), fc.array(fc.nat(70), { maxLength: 6 }), fc.integer(), (size, cuts, seed) => {
      const p = new LazyPermutation(size);
      const rng = new Rng(seed);
      for (const cut of cuts) {
        for (let i = 0; i < Math.min(cut, size); i++) p.next(rng);
        p.restart();
        const pass = Array.from({ length: size }, () => p.next(rng));
        assert.deepEqual(
          [...pass].sort((a, b) => a - b),
          Array.from({ length: size }, (_, i) => i),
        );
        assert.equal(p.remaining, 0);
        p.restart();
      }
    }),
    { numRuns: 200 },
  );
});

test('taking k entries draws k random numbers; the same seed gives the same entries', () => {
  const a = counting(5);
  const p = new LazyPermutation(2342);
  const first = Array.from({ length: 3 }, () => p.next(a.rng));
  assert.equal(a.draws(), 3);
  const q = new LazyPermutation(2342);
  const b = counting(5);
  assert.deepEqual(
    Array.from({ length: 3 }, () => q.next(b.rng)),
    first,
  );
});

test('the permutation is uniform: all 24 orders of 4 entries appear about equally often (chi-square)', () => {
  const rng = new Rng(11);
  const p = new LazyPermutation(4);
  const counts = new Map<string, number>();
  const n = 24000;
  for (let t = 0; t < n; t++) {
    p.restart();
    const key = Array.from({ length: 4 }, () => p.next(rng)).join('');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.equal(counts.size, 24);
  const expected = n / 24;
  let chi2 = 0;
  for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
  // 23 degrees of freedom: P(chi² > 49.7) ≈ 0.001
  assert.ok(chi2 < 49.7, `chi² = ${chi2}`);
});

test('the first entry of a fresh pass is uniform over 0..size-1 (what a seeded reset takes)', () => {
  const size = 7;
  const counts = new Array<number>(size).fill(0);
  const n = 14000;
  for (let t = 0; t < n; t++) counts[new LazyPermutation(size).next(new Rng(`first/${t}`))] += 1;
  let chi2 = 0;
  for (const c of counts) chi2 += (c - n / size) ** 2 / (n / size);
  // 6 degrees of freedom: P(chi² > 22.5) ≈ 0.001
  assert.ok(chi2 < 22.5, `chi² = ${chi2}`);
});

test('a used-up pass throws an EnsembleGymError that says to restart', () => {
  const p = new LazyPermutation(2);
  const rng = new Rng(0);
  p.next(rng);
  p.next(rng);
  assert.throws(
    () => p.next(rng),
    (e: unknown) => e instanceof EnsembleGymError && /restart\(\)/.test(e.message),
  );
});
