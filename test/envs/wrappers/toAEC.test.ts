import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EnvStateError, InvalidActionError } from '../../../src/core/errors.js';
import { Rng } from '../../../src/core/Rng.js';
import { CoordinationGameEnv } from '../../../src/envs/CoordinationGameEnv.js';
import { toAEC } from '../../../src/envs/wrappers/toAEC.js';
import { StaggeredEnv } from '../../support/StaggeredEnv.js';

test('agents take turns in order; the parallel step runs after the last one; done agents then take null turns', async () => {
  const env = toAEC(new CoordinationGameEnv({ horizon: 2 }));
  await env.reset({ seed: 0 });
  const seen: string[] = [];
  for (const agent of env.agentIter()) {
    const l = env.last();
    seen.push(`${agent}${l.truncation ? '!' : ''}`);
    await env.step(l.termination || l.truncation ? null : Float32Array.of(1, 0, 0));
  }
  assert.deepEqual(seen, ['agent_0', 'agent_1', 'agent_2', 'agent_0', 'agent_1', 'agent_2', 'agent_0!', 'agent_1!', 'agent_2!']);
  assert.deepEqual(env.agents, []);
  await assert.rejects(env.step(null), EnvStateError);
});

test('agents that terminate early take their dead step before the next live agent (PettingZoo order)', async () => {
  const env = toAEC(new StaggeredEnv(3));
  await env.reset();
  const seen: string[] = [];
  for (const agent of env.agentIter(100)) {
    const l = env.last();
    seen.push(`${agent}${l.termination ? '!' : ''}`);
    await env.step(l.termination ? null : Float32Array.of(0.5));
  }
  assert.deepEqual(seen, ['a0', 'a1', 'a2', 'a0!', 'a1', 'a2', 'a1!', 'a2', 'a2!']);
});

test('AEC results match the parallel env step for step, for any config, seed and actions', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 2, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer(),
      async (nAgents, nOptions, horizon, seed) => {
        const config = { nAgents, nOptions, horizon, cueNoise: 0.2 };
        const par = new CoordinationGameEnv(config);
        const aec = toAEC(new CoordinationGameEnv(config));
        const p0 = await par.reset({ seed });
        await aec.reset({ seed });
        for (const a of par.agents) assert.deepEqual(aec.observe(a), p0.observations[a]);
        const rng = new Rng(seed);
        while (par.agents.length > 0) {
          const actions = Object.fromEntries(par.agents.map((a) => [a, par.actionSpace(a).sample(rng)]));
          const r = await par.step(actions);
          for (const a of Object.keys(actions)) {
            assert.equal(aec.agentSelection, a);
            await aec.step(actions[a]);
          }
          for (const a of Object.keys(r.rewards)) {
            assert.deepEqual(aec.observe(a), r.observations[a]);
            assert.equal(aec.cumulativeRewards[a], r.rewards[a]);
            assert.equal(aec.truncations[a], r.truncations[a]);
            assert.equal(aec.terminations[a], r.terminations[a]);
            assert.deepEqual(aec.infos[a], r.infos[a]);
          }
        }
        for (const a of aec.agentIter()) {
          assert.ok(aec.last().truncation, `${a} should be done`);
          await aec.step(null);
        }
        assert.deepEqual(aec.agents, []);
      },
    ),
    { numRuns: 200 },
  );
});

test('rewards clear when a new cycle starts; cumulativeRewards keep the last step for last()', async () => {
  const env = toAEC(new CoordinationGameEnv({ denseWeight: 1 }));
  await env.reset({ seed: 1 });
  for (let i = 0; i < 3; i++) await env.step(Float32Array.of(1, 1, 1));
  const after = { ...env.rewards };
  assert.equal(new Set(Object.values(after)).size, 1, 'the team reward is shared');
  assert.deepEqual(env.cumulativeRewards, after);
  await env.step(Float32Array.of(1, 0, 0));
  assert.deepEqual(Object.values(env.rewards), [0, 0, 0]);
  assert.deepEqual(env.cumulativeRewards, after);
  assert.equal(env.last().reward, after.agent_1);
});

test('an invalid action throws InvalidActionError and keeps the turn; a done agent only accepts null', async () => {
  const env = toAEC(new StaggeredEnv(2));
  await assert.rejects(env.step(Float32Array.of(0)), EnvStateError);
  await env.reset();
  await assert.rejects(env.step(Float32Array.of(NaN)), InvalidActionError);
  assert.equal(env.agentSelection, 'a0');
  await env.step(Float32Array.of(0));
  await env.step(Float32Array.of(0));
  assert.equal(env.agentSelection, 'a0');
  assert.equal(env.last().termination, true);
  await assert.rejects(env.step(Float32Array.of(0)), (e: unknown) => e instanceof InvalidActionError && /step it with null/.test(e.message));
  await env.step(null);
  assert.deepEqual(env.agents, ['a1']);
});

test('global state is forwarded when the wrapped env has one', async () => {
  const inner = new CoordinationGameEnv();
  const env = toAEC(inner);
  await env.reset({ seed: 4 });
  assert.equal(env.stateSpace, inner.stateSpace);
  assert.deepEqual(env.state?.(), inner.state());
  assert.equal(toAEC(new StaggeredEnv()).state, undefined);
});

test("a caller that reuses one Float32Array for every agent's action gets the joint action it passed (actions are copied on record)", async () => {
  const config = { nAgents: 3, nOptions: 3, horizon: 3, cueNoise: 0.2 };
  const par = new CoordinationGameEnv(config);
  const aec = toAEC(new CoordinationGameEnv(config));
  await par.reset({ seed: 11 });
  await aec.reset({ seed: 11 });
  const rng = new Rng(11);
  const buf = new Float32Array(3);
  let steps = 0;
  while (par.agents.length > 0) {
    const actions = Object.fromEntries(par.agents.map((a) => [a, par.actionSpace(a).sample(rng)]));
    const r = await par.step(actions);
    for (const a of Object.keys(actions)) {
      buf.set(actions[a]);
      await aec.step(buf);
    }
    buf.fill(0);
    for (const a of Object.keys(r.rewards)) {
      assert.equal(aec.cumulativeRewards[a], r.rewards[a], `step ${steps}, agent ${a}`);
      assert.deepEqual(aec.infos[a], r.infos[a]);
    }
    steps++;
    for (const a of [...aec.agents]) if (aec.terminations[a] || aec.truncations[a]) await aec.step(null);
  }
  assert.ok(steps >= 1);
});
