import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnvStateError, InvalidActionError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/Rng.js';
import { CoordinationGameEnv } from '../../../src/envs/CoordinationGameEnv.js';
import { toSingleAgent } from '../../../src/envs/wrappers/toSingleAgent.js';
import { StaggeredEnv } from '../../support/StaggeredEnv.js';

const concat = (xs: readonly Float32Array[]): Float32Array => {
  const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
  let o = 0;
  for (const x of xs) out.set(x, (o += x.length) - x.length);
  return out;
};

test('joint spaces concatenate the agents in possibleAgents order', () => {
  const env = toSingleAgent(new CoordinationGameEnv({ nAgents: 4, nOptions: 2 }));
  assert.equal(env.observationSpace.flatDim, 4 * (2 + 4 + 1));
  assert.equal(env.actionSpace.flatDim, 4 * 2);
  assert.equal(String(env.actionSpace), 'Box(-Infinity, Infinity, [8], float32)');
  assert.equal(env.metadata.name, 'SingleAgent(CoordinationGame-v0)');
});

test('a joint vector gives the same step as the parallel env: concatenated observations, mean reward', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 2, max: 4 }),
      fc.integer({ min: 1, max: 5 }),
      fc.integer(),
      async (nAgents, nOptions, horizon, seed) => {
        const config = { nAgents, nOptions, horizon, cueNoise: 0.3, denseWeight: 0.7 };
        const par = new CoordinationGameEnv(config);
        const single = toSingleAgent(new CoordinationGameEnv(config));
        const p0 = await par.reset({ seed });
        const s0 = await single.reset({ seed });
        assert.deepEqual(s0.observation, concat(par.possibleAgents.map((a) => p0.observations[a])));
        const rng = new Rng(seed);
        for (let t = 0; t < horizon; t++) {
          const actions = Object.fromEntries(par.agents.map((a) => [a, par.actionSpace(a).sample(rng)]));
          const r = await par.step(actions);
          const s = await single.step(concat(par.possibleAgents.map((a) => actions[a])));
          assert.deepEqual(s.observation, concat(par.possibleAgents.map((a) => r.observations[a])));
          assert.ok(single.observationSpace.contains(s.observation));
          const rewards = Object.values(r.rewards);
          assert.equal(s.reward, rewards.reduce((x, y) => x + y, 0) / rewards.length);
          assert.equal(s.truncated, t === horizon - 1);
          assert.equal(s.terminated, false);
          assert.equal(s.info.success, r.infos.agent_0.success);
          assert.deepEqual(s.info.rewards, r.rewards);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('a record of per-agent actions gives the same step as the joint vector', async () => {
  const a = toSingleAgent(new CoordinationGameEnv({ nAgents: 2 }));
  const b = toSingleAgent(new CoordinationGameEnv({ nAgents: 2 }));
  await a.reset({ seed: 2 });
  await b.reset({ seed: 2 });
  const viaRecord = await a.step({ agent_0: Float32Array.of(1, 0, 0), agent_1: Float32Array.of(0, 1, 0) });
  assert.deepEqual(viaRecord, await b.step(Float32Array.of(1, 0, 0, 0, 1, 0)));
});

test('an invalid joint action throws InvalidActionError and leaves the env unchanged', async () => {
  const a = toSingleAgent(new CoordinationGameEnv());
  const b = toSingleAgent(new CoordinationGameEnv());
  await a.reset({ seed: 8 });
  await b.reset({ seed: 8 });
  await assert.rejects(
    a.step(new Float32Array(8)),
    (e: unknown) => e instanceof InvalidActionError && e.agent === '(joint)' && /expected length 9/.test(e.message),
  );
  await assert.rejects(
    a.step(Float32Array.of(0, 0, 0, 0, NaN, 0, 0, 0, 0)),
    (e: unknown) => e instanceof InvalidActionError && /entry 4 is NaN/.test(e.message),
  );
  const act = Float32Array.of(0, 1, 0, 0, 0, 1, 1, 0, 0);
  assert.deepEqual(await a.step(act), await b.step(act));
});

test('the episode is terminated when every agent of the final step terminated; agents that left read as zeros', async () => {
  const env = toSingleAgent(new StaggeredEnv(3));
  await env.reset();
  const steps = [];
  for (;;) {
    const s = await env.step(Float32Array.of(1, 1, 1));
    steps.push(s);
    if (s.terminated || s.truncated) break;
  }
  assert.equal(steps.length, 3);
  assert.deepEqual(
    steps.map((s) => [s.terminated, s.truncated]),
    [
      [false, false],
      [false, false],
      [true, false],
    ],
  );
  assert.deepEqual(Array.from(steps[1].observation), [0, 2, 2]);
  assert.deepEqual(
    steps.map((s) => s.reward),
    [(1 + 2 + 3) / 3, (2 + 3) / 2, 3],
  );
  assert.equal(steps[0].info.success, undefined);
  await assert.rejects(env.step(Float32Array.of(1, 1, 1)), EnvStateError);
});
