import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/core/errors.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';

const actions = (v: VectorEnv) => Object.fromEntries(v.possibleAgents.map((a) => [a, new Float32Array(v.numEnvs * v.actionSpace(a).flatDim)]));

test("autoreset 'disabled': an ended copy stays ended until reset({ mask, seed: [...] }) restarts it with the caller's seed", async () => {
  const v = new VectorEnv([new CoordinationGameEnv({ nAgents: 2, horizon: 2 }), new CoordinationGameEnv({ nAgents: 2, horizon: 3 })], {
    autoreset: 'disabled',
  });
  assert.equal(v.autoreset, 'disabled');
  assert.equal(v.metadata.autoreset, 'none');
  await v.reset({ seed: [5, 9] });
  await v.step(actions(v));
  const second = await v.step(actions(v));
  assert.equal(second.terminations.agent_0[0] + second.truncations.agent_0[0], 1, 'copy 0 ended at its horizon');
  assert.deepEqual(Array.from(second.active.agent_0), [0, 1]);
  const third = await v.step(actions(v));
  assert.deepEqual(Array.from(third.active.agent_0), [0, 0], 'copy 0 was not stepped nor reset');
  assert.equal(third.rewards.agent_0[0], 0);
  // a seeded partial reset reproduces a fresh env reset with that seed
  const r = await v.reset({ seed: [5, 0], mask: [1, 0] });
  assert.deepEqual(Array.from(r.active.agent_0), [1, 0]);
  const fresh = new CoordinationGameEnv({ nAgents: 2, horizon: 2 });
  const f = await fresh.reset({ seed: 5 });
  assert.deepEqual(
    Array.from(r.observations.agent_0.subarray(0, fresh.observationSpace('agent_0').flatDim)),
    Array.from(f.observations.agent_0 as Float32Array),
  );
  await assert.rejects(v.reset({ seed: [1] }), ConfigError);
  await assert.rejects(v.step(actions(v), { mask: [1] }), ConfigError);
  await v.close();
});

test('step({ mask }) leaves unmasked copies untouched: stepping them later continues where they were', async () => {
  const make = () =>
    new VectorEnv([new CoordinationGameEnv({ nAgents: 2, horizon: 4 }), new CoordinationGameEnv({ nAgents: 2, horizon: 4 })], { autoreset: 'disabled' });
  const [a, b] = [make(), make()];
  await a.reset({ seed: 1 });
  await b.reset({ seed: 1 });
  const skipped = await a.step(actions(a), { mask: [0, 1] });
  assert.deepEqual(Array.from(skipped.active.agent_0), [0, 1]);
  await a.step(actions(a), { mask: [1, 0] });
  const x = await a.step(actions(a));
  await b.step(actions(b));
  const y = await b.step(actions(b));
  assert.deepEqual(x.observations, y.observations);
  assert.deepEqual(x.rewards, y.rewards);
  await a.close();
  await b.close();
});
