import fc from 'fast-check';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Simplex, type Space } from '../../src/core/spaces.js';

const f32 = fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(Math.fround);

/** One bound pair: finite, half-open on either side, or unbounded. */
const boundPair = fc.oneof(
  fc.tuple(f32, f32).map(([a, b]) => (a <= b ? [a, b] : [b, a]) as [number, number]),
  f32.map((a) => [a, Infinity] as [number, number]),
  f32.map((a) => [-Infinity, a] as [number, number]),
  fc.constant([-Infinity, Infinity] as [number, number]),
);

/** Boxes of 0 to 3 dimensions (sizes 0..4) with per-entry bounds of every kind. */
export const boxArb: fc.Arbitrary<Box> = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }).chain((shape) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return fc.array(boundPair, { minLength: n, maxLength: n }).map(
    (bounds) =>
      new Box(
        bounds.map((b) => b[0]),
        bounds.map((b) => b[1]),
        shape,
      ),
  );
});

export const discreteArb = fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: -1000, max: 1000 })).map(([n, s]) => new Discrete(n, s));
export const multiDiscreteArb = fc.array(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 5 }).map((v) => new MultiDiscrete(v));
export const multiBinaryArb = fc.integer({ min: 1, max: 10 }).map((n) => new MultiBinary(n));
export const simplexArb = fc.integer({ min: 1, max: 50 }).map((n) => new Simplex(n));

/** Any non-Dict space. */
export const leafSpaceArb: fc.Arbitrary<Space> = fc.oneof(boxArb, discreteArb, multiDiscreteArb, multiBinaryArb, simplexArb) as fc.Arbitrary<Space>;

/** Dicts of 1 to 3 leaf spaces. */
export const dictArb: fc.Arbitrary<Dict> = fc
  .uniqueArray(fc.constantFrom('a', 'b', 'cue', 'weights', 'z'), { minLength: 1, maxLength: 3 })
  .chain((keys) => fc.tuple(...keys.map(() => leafSpaceArb)).map((spaces) => new Dict(Object.fromEntries(keys.map((k, i) => [k, spaces[i]])))));

/** Any space, Dicts included. */
export const spaceArb: fc.Arbitrary<Space> = fc.oneof(leafSpaceArb, dictArb as fc.Arbitrary<Space>);
