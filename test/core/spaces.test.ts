import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnsembleGymError, SpaceDefinitionError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Dict, Discrete, flattenSpace, MultiBinary, MultiDiscrete, Simplex, type Space } from '../../src/core/spaces.js';
import { boxArb, discreteArb, multiBinaryArb, multiDiscreteArb, simplexArb, spaceArb } from '../support/spaceArbitraries.js';

const RUNS = { numRuns: 300 };

const spaceKinds: [string, fc.Arbitrary<Space>][] = [
  ['Box', boxArb as fc.Arbitrary<Space>],
  ['Discrete', discreteArb as fc.Arbitrary<Space>],
  ['MultiDiscrete', multiDiscreteArb as fc.Arbitrary<Space>],
  ['MultiBinary', multiBinaryArb as fc.Arbitrary<Space>],
  ['Simplex', simplexArb as fc.Arbitrary<Space>],
  ['any space, Dict included', spaceArb],
];

for (const [name, arb] of spaceKinds) {
  test(`${name}: contains(sample(rng)) for any parameters and seed`, () => {
    fc.assert(
      fc.property(arb, fc.integer(), (space, seed) => {
        const rng = new Rng(seed);
        for (let i = 0; i < 5; i++) {
          const x = space.sample(rng);
          assert.equal(space.explain(x), null, `${space} rejected its own sample ${String(x)}`);
          assert.ok(space.contains(x));
        }
      }),
      RUNS,
    );
  });

  test(`${name}: flatten/unflatten round trip at any offset, inside flattenSpace`, () => {
    fc.assert(
      fc.property(arb, fc.integer(), fc.nat(5), (space, seed, offset) => {
        const x = space.sample(new Rng(seed));
        const flat = new Float32Array(offset + space.flatDim + 2).fill(7);
        space.flatten(x as never, flat, offset);
        assert.deepEqual(space.unflatten(flat, offset), x);
        assert.equal(flat[offset + space.flatDim], 7, 'flatten wrote past flatDim');
        const box = flattenSpace(space);
        assert.equal(box.flatDim, space.flatDim);
        assert.equal(box.explain(flat.slice(offset, offset + space.flatDim)), null);
      }),
      RUNS,
    );
  });
}

test('seed(s) makes sample() without an rng reproducible', () => {
  fc.assert(
    fc.property(spaceArb, fc.integer(), (space, seed) => {
      space.seed(seed);
      const a = space.sample();
      space.seed(seed);
      assert.deepEqual(space.sample(), a);
    }),
    RUNS,
  );
});

test('Simplex.sample is non-negative and sums to 1 within 1e-6', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 500 }), fc.integer(), (n, seed) => {
      const x = new Simplex(n).sample(new Rng(seed));
      let s = 0;
      for (const v of x) {
        assert.ok(v >= 0);
        s += v;
      }
      assert.ok(Math.abs(s - 1) <= 1e-6, `sum ${s}`);
    }),
    RUNS,
  );
});

test('Box rejects NaN, infinities, out-of-bounds entries, wrong length and wrong type, saying why', () => {
  fc.assert(
    fc.property(
      boxArb.filter((b) => b.flatDim > 0),
      fc.integer(),
      fc.nat(),
      (box, seed, at) => {
        const x = box.sample(new Rng(seed));
        const i = at % box.flatDim;
        const nan = x.slice();
        nan[i] = NaN;
        assert.match(box.explain(nan) ?? '', new RegExp(`entry ${i} is NaN`));
        const inf = x.slice();
        inf[i] = Infinity;
        assert.match(box.explain(inf) ?? '', /not a finite float32|outside/);
        if (Number.isFinite(box.high[i])) {
          const over = Array.from(x);
          over[i] = box.high[i] + Math.max(1, Math.abs(box.high[i]));
          assert.match(box.explain(over) ?? '', new RegExp(`entry ${i} = .* is outside`));
        }
        assert.match(box.explain(new Float32Array(box.flatDim + 1)) ?? '', /expected length/);
        assert.match(box.explain('abc') ?? '', /expected a Float32Array or number\[\]/);
        assert.match(box.explain({ 0: 1 }) ?? '', /got object/);
      },
    ),
    RUNS,
  );
});

test('discrete spaces reject non-integers, out-of-range values and wrong types', () => {
  fc.assert(
    fc.property(discreteArb, fc.integer({ min: 1, max: 100 }), (d, k) => {
      assert.match(d.explain(d.start + d.n - 1 + k) ?? '', /is outside/);
      assert.match(d.explain(d.start - k) ?? '', /is outside/);
      assert.match(d.explain(d.start + 0.5) ?? '', /expected an integer/);
      assert.match(d.explain(NaN) ?? '', /expected an integer/);
      assert.match(d.explain('1') ?? '', /expected an integer, got string/);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(multiDiscreteArb, fc.nat(), (md, at) => {
      const x = Array.from(md.sample(new Rng(1)));
      const i = at % x.length;
      assert.match(md.explain(x.map((v, j) => (j === i ? md.nvec[i] : v))) ?? '', new RegExp(`entry ${i} = ${md.nvec[i]} is not an integer in`));
      assert.match(md.explain(x.map((v, j) => (j === i ? NaN : v))) ?? '', /is not an integer/);
      assert.match(md.explain(x.slice(1)) ?? '', /expected length/);
    }),
    RUNS,
  );
  fc.assert(
    fc.property(multiBinaryArb, fc.nat(), (mb, at) => {
      const x = Array.from(mb.sample(new Rng(2)));
      const i = at % x.length;
      assert.match(mb.explain(x.map((v, j) => (j === i ? 2 : v))) ?? '', new RegExp(`entry ${i} = 2 is not 0 or 1`));
      assert.match(mb.explain([...x, 0]) ?? '', /expected length/);
      assert.match(mb.explain(true) ?? '', /got boolean/);
    }),
    RUNS,
  );
});

test('Simplex rejects negative entries, NaN, wrong sums and wrong lengths', () => {
  fc.assert(
    fc.property(
      simplexArb.filter((s) => s.n >= 2),
      fc.integer(),
      fc.nat(),
      (s, seed, at) => {
        const x = s.sample(new Rng(seed));
        const i = at % s.n;
        const neg = x.slice();
        neg[i] = -0.5;
        assert.match(s.explain(neg) ?? '', /negative|sum/);
        const nan = x.slice();
        nan[i] = NaN;
        assert.match(s.explain(nan) ?? '', new RegExp(`entry ${i} = NaN is not finite`));
        assert.match(s.explain(Float32Array.from(x, (v) => v * 2)) ?? '', /sum to .*, not 1/);
        assert.match(s.explain(x.slice(1)) ?? '', /expected length/);
      },
    ),
    RUNS,
  );
});

test('Dict rejects missing keys, extra keys, bad members and non-objects, naming the key', () => {
  const d = new Dict({ w: new Simplex(2), k: new Discrete(3) });
  assert.equal(d.explain({ w: [0.5, 0.5], k: 2 }), null);
  assert.equal(d.explain({ w: [0.5, 0.5] }), 'missing key "k"');
  assert.match(d.explain({ w: [0.5, 0.5], k: 1, x: 1 }) ?? '', /unexpected key "x"/);
  assert.match(d.explain({ w: [0.5, 0.5], k: 5 }) ?? '', /^k: 5 is outside 0..2/);
  assert.match(d.explain(Float32Array.of(1)) ?? '', /expected an object with keys k, w/);
});

test('toString is readable', () => {
  assert.equal(String(new Box(-1, 1, [3])), 'Box(-1, 1, [3], float32)');
  assert.equal(String(new Box([0, -1], [1, 2], [2])), 'Box([0,-1], [1,2], [2], float32)');
  assert.equal(String(new Box(-Infinity, Infinity, [2, 2])), 'Box(-Infinity, Infinity, [2,2], float32)');
  assert.equal(String(new Box(0, 1, [0])), 'Box([], [], [0], float32)');
  assert.equal(String(new Discrete(4)), 'Discrete(4)');
  assert.equal(String(new Discrete(4, -2)), 'Discrete(4, start=-2)');
  assert.equal(String(new MultiDiscrete([2, 3])), 'MultiDiscrete([2,3])');
  assert.equal(String(new MultiBinary(5)), 'MultiBinary(5)');
  assert.equal(String(new Simplex(3)), 'Simplex(3)');
  assert.equal(String(new Dict({ b: new Discrete(2), a: new Simplex(2) })), 'Dict(a: Simplex(2), b: Discrete(2))');
});

test('constructors reject invalid parameters with a SpaceDefinitionError (a typed package error) naming the argument', () => {
  const bad = (space: string, argument: string, re: RegExp) => (e: unknown) =>
    e instanceof SpaceDefinitionError && e instanceof EnsembleGymError && e.space === space && e.argument === argument && re.test(e.message);
  assert.throws(() => new Box(1, 0, [2]), bad('Box', 'low[0]/high[0]', /need low <= high/));
  assert.throws(() => new Box(NaN, 0, [1]), bad('Box', 'low[0]/high[0]', /NaN/));
  assert.throws(() => new Box(Infinity, Infinity, [1]), bad('Box', 'low[0]/high[0]', /Infinity/));
  assert.throws(() => new Box(0, 1, [1.5]), bad('Box', 'shape', /non-negative integers/));
  assert.throws(() => new Box([0, 0], [1], [2]), bad('Box', 'high', /2 entries/));
  assert.throws(() => new Discrete(0), bad('Discrete', 'n', /positive integer/));
  assert.throws(() => new Discrete(2, 0.5), bad('Discrete', 'start', /"start": must be an integer/));
  assert.throws(() => new MultiDiscrete([2, 0]), bad('MultiDiscrete', 'nvec', /positive integers/));
  assert.throws(() => new MultiBinary(0), bad('MultiBinary', 'n', /positive integer/));
  assert.throws(() => new Simplex(0), bad('Simplex', 'n', /positive integer/));
});

test('Discrete and MultiDiscrete flatten one-hot, as Gymnasium flatten / flatten_space / unflatten', () => {
  const d = new Discrete(3, 1);
  assert.equal(d.flatDim, 3);
  const out = new Float32Array(5).fill(7);
  d.flatten(2, out, 1);
  assert.deepEqual(Array.from(out), [7, 0, 1, 0, 7]);
  assert.equal(d.unflatten(out, 1), 2);
  assert.ok(!d.contains(d.unflatten(Float32Array.of(0.4, 0.6, 0), 0)), 'a row that is not one-hot is not an element');
  assert.ok(!d.contains(d.unflatten(Float32Array.of(0, 0, 0), 0)));
  const fs = flattenSpace(d);
  assert.deepEqual([Array.from(fs.low), Array.from(fs.high), fs.shape], [[0, 0, 0], [1, 1, 1], [3]]);
  const md = new MultiDiscrete([2, 3]);
  assert.equal(md.flatDim, 5);
  const flat = new Float32Array(5);
  md.flatten(Int32Array.of(1, 2), flat, 0);
  assert.deepEqual(Array.from(flat), [0, 1, 0, 0, 1]);
  assert.deepEqual(Array.from(md.unflatten(flat, 0)), [1, 2]);
  assert.ok(md.contains(md.unflatten(flat, 0)));
  assert.ok(!md.contains(md.unflatten(Float32Array.of(1, 1, 0, 0, 1), 0)));
  assert.deepEqual(Array.from(flattenSpace(md).high), [1, 1, 1, 1, 1]);
});
