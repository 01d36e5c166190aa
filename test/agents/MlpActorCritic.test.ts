import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend/initBackend.js';
import { ActionHead } from '../../src/agents/ActionHead.js';
import { MlpActorCritic, type MlpActorCriticSpec } from '../../src/agents/MlpActorCritic.js';
import { Rng } from '../../src/core/Rng.js';
import { ConfigError } from '../../src/core/errors.js';
import { Simplex } from '../../src/core/spaces.js';

await initBackend();

const spec = (share: boolean, seed = 0): MlpActorCriticSpec => ({
  groups: share
    ? [{ members: ['a', 'b'], obsDim: 4, criticDim: 4, head: ActionHead.fromSpace(new Simplex(3)).tree }]
    : ['a', 'b'].map((m) => ({ members: [m], obsDim: 4, criticDim: 4, head: ActionHead.fromSpace(new Simplex(3)).tree })),
  hidden: [8, 8], initLogStd: 0, criticInput: 'observation', seed,
});

test('act returns plain records: simplex actions, finite log-probs and values, for shared and separate actors', () => {
  for (const share of [true, false]) {
    const p = new MlpActorCritic(spec(share));
    fc.assert(
      fc.property(fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 1e6 }), (xs, seed) => {
        const r = p.act({ a: Float32Array.from(xs.slice(0, 4)), b: Float32Array.from(xs.slice(4)) }, new Rng(seed));
        return ['a', 'b'].every((k) => new Simplex(3).contains(r.actions[k]) && Number.isFinite(r.logProbs[k]) && Number.isFinite(r.values![k]));
      }),
      { numRuns: 200 },
    );
    p.dispose();
  }
});

test('save → load reproduces actions exactly; the same seed initialises the same weights', () => {
  const p = new MlpActorCritic(spec(true, 3));
  const q = MlpActorCritic.fromState(JSON.parse(JSON.stringify(p.save())));
  const obs = { a: Float32Array.of(1, 0, 0, 1), b: Float32Array.of(0, 1, 1, 0) };
  assert.deepEqual(q.act(obs, new Rng(9)), p.act(obs, new Rng(9)));
  assert.deepEqual(new MlpActorCritic(spec(true, 3)).getWeights(), p.getWeights());
  assert.notDeepEqual(new MlpActorCritic(spec(true, 4)).getWeights(), p.getWeights());
  assert.throws(() => p.load(new MlpActorCritic(spec(false)).save()), (e: unknown) => e instanceof ConfigError && e.field === 'policy.spec');
  assert.throws(() => p.act({ a: new Float32Array(2), b: new Float32Array(4) }, new Rng(0)), (e: unknown) => e instanceof ConfigError && e.field === 'observations.a');
  p.dispose();
  q.dispose();
  p.dispose();
});

test('the member one-hot separates agents that share an actor', () => {
  const x = MlpActorCritic.withMemberOneHot([Float32Array.of(1, 2, 3, 4), Float32Array.of(5, 6, 7, 8)], 2, 2);
  assert.deepEqual(Array.from(x), [1, 2, 1, 0, 5, 6, 0, 1, 3, 4, 1, 0, 7, 8, 0, 1]);
  const before = tf.memory().numTensors;
  const p = new MlpActorCritic(spec(true));
  p.act({ a: new Float32Array(4), b: new Float32Array(4) }, new Rng(0));
  p.dispose();
  assert.equal(tf.memory().numTensors, before);
});
