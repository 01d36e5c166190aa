import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { batchify, unbatchify } from '../../src/core/batchify.js';
import { EnsembleGymError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { Box, Discrete, Simplex, type Space } from '../../src/core/spaces.js';
import { spaceArb } from '../support/spaceArbitraries.js';

const agentsArb = fc.uniqueArray(
  fc.string({ minLength: 1, maxLength: 6 }).filter((s) => s !== '__proto__'),
  { minLength: 0, maxLength: 6 },
);

test('unbatchify(batchify(record)) returns the record, for any space and agent list', () => {
  fc.assert(
    fc.property(spaceArb, agentsArb, fc.integer(), (space, agents, seed) => {
      const rng = new Rng(seed);
      const record = Object.fromEntries(agents.map((a) => [a, space.sample(rng)]));
      const flat = batchify(record, agents, space);
      assert.equal(flat.length, agents.length * space.flatDim);
      assert.deepEqual(unbatchify(flat, agents, space), record);
    }),
    { numRuns: 300 },
  );
});

test('row i of the batch is agent i flattened, in the order of the agent list', () => {
  fc.assert(
    fc.property(spaceArb, agentsArb, fc.integer(), (space, agents, seed) => {
      const rng = new Rng(seed);
      const record = Object.fromEntries(agents.map((a) => [a, space.sample(rng)]));
      const reversed = [...agents].reverse();
      const flat = batchify(record, reversed, space);
      reversed.forEach((a, i) => {
        const row = new Float32Array(space.flatDim);
        space.flatten(record[a] as never, row, 0);
        assert.deepEqual(flat.slice(i * space.flatDim, (i + 1) * space.flatDim), row);
      });
    }),
    { numRuns: 300 },
  );
});

test('extra record entries are ignored and out is reused', () => {
  const space = new Box(-1, 1, [2]);
  const out = new Float32Array(4);
  const record = { a: Float32Array.of(0.1, 0.2), b: Float32Array.of(0.3, 0.4), c: Float32Array.of(1, 1) };
  const flat = batchify(record, ['b', 'a'], space, out);
  assert.equal(flat, out);
  assert.deepEqual(Array.from(flat), Array.from(Float32Array.of(0.3, 0.4, 0.1, 0.2)));
});

test('per-agent spaces work when they flatten to the same size', () => {
  const spaces: Record<string, Space<Float32Array>> = { a: new Simplex(3), b: new Box(0, 5, [3]) };
  const rec = { a: Float32Array.of(0.2, 0.3, 0.5), b: Float32Array.of(4, 0, 1) };
  assert.deepEqual(
    unbatchify(
      batchify(rec, ['a', 'b'], (x) => spaces[x]),
      ['a', 'b'],
      (x) => spaces[x],
    ),
    rec,
  );
});

test('mistakes throw EnsembleGymError naming the agent and sizes', () => {
  const box = new Box(0, 1, [3]);
  assert.throws(
    () => batchify({ a: new Float32Array(3) }, ['a', 'b'], box),
    (e: unknown) => e instanceof EnsembleGymError && /no entry for agent "b"/.test(e.message),
  );
  assert.throws(() => batchify({ a: new Float32Array(2) }, ['a'], box), /agent "a" has length 2, expected 3/);
  assert.throws(() => batchify({ a: new Float32Array(3) }, ['a'], box, new Float32Array(4)), /out has length 4, expected 1 agents x 3 = 3/);
  assert.throws(() => unbatchify(new Float32Array(5), ['a', 'b'], box), /got 5 numbers, expected 2 agents x 3 = 6/);
  // Discrete(2) flattens one-hot to 2 floats, the Box to 3.
  const mixed = (a: string): Space => (a === 'a' ? new Discrete(2) : box);
  assert.throws(() => batchify({ a: 1, b: new Float32Array(3) }, ['a', 'b'], mixed), /agent "b" has flatDim 3 but agent "a" has 2/);
});
