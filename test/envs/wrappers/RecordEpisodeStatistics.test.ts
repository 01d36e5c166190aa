import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkParallelEnv } from '../../../src/core/checkParallelEnv.js';
import { ConfigError } from '../../../src/core/errors.js';
import { hasGlobalState, type AgentRecord, type StepResult } from '../../../src/core/ParallelEnv.js';
import { Rng } from '../../../src/core/Rng.js';
import { CoordinationGameEnv } from '../../../src/envs/CoordinationGameEnv.js';
import { RecordEpisodeStatistics, type EpisodeStatistics } from '../../../src/envs/wrappers/RecordEpisodeStatistics.js';
import { StaggeredEnv } from '../../support/StaggeredEnv.js';

test('the wrapped env still passes checkParallelEnv', async () => {
  const r = await checkParallelEnv(() => new RecordEpisodeStatistics(new CoordinationGameEnv()));
  assert.deepEqual(r.problems, []);
  assert.ok(r.checked.includes('state-in-space'));
});

test('episode info appears exactly at the final step, with the summed return, length and success', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer(), async (horizon, seed) => {
      const env = new RecordEpisodeStatistics(new CoordinationGameEnv({ horizon }));
      await env.reset({ seed });
      const rng = new Rng(seed);
      let ret = 0;
      for (let t = 0; t < horizon; t++) {
        const r = await env.step(Object.fromEntries(env.agents.map((a) => [a, env.actionSpace(a).sample(rng)])));
        ret += r.rewards.agent_0;
        const ep = r.infos.agent_0.episode as EpisodeStatistics | undefined;
        if (t < horizon - 1) assert.equal(ep, undefined);
        else assert.deepEqual(ep, { return: ret, length: horizon, success: r.infos.agent_0.success });
      }
      assert.equal(env.episodeCount, 1);
      assert.ok(Math.abs(env.episodeReturns[0] - ret) < 1e-12);
    }),
    { numRuns: 200 },
  );
});

test('agents that leave early get their own statistics; the team length is the longest', async () => {
  const env = new RecordEpisodeStatistics(new StaggeredEnv(3));
  await env.reset();
  const r1 = await env.step({ a0: Float32Array.of(1), a1: Float32Array.of(1), a2: Float32Array.of(1) });
  assert.deepEqual(r1.infos.a0.episode, { return: 1, length: 1 });
  assert.equal(r1.infos.a1.episode, undefined);
  await env.step({ a1: Float32Array.of(0), a2: Float32Array.of(0) });
  const r3 = await env.step({ a2: Float32Array.of(0) });
  assert.deepEqual(r3.infos.a2.episode, { return: 3 + 2 + 2, length: 3 });
  assert.deepEqual(env.summary(), { episodes: 1, meanReturn: (1 + 3 + 7) / 3, meanLength: 3, successRate: undefined });
});

test('summary keeps the last bufferLength episodes and does not mutate the inner infos', async () => {
  const inner = new (class extends CoordinationGameEnv {
    last: StepResult<Float32Array, string> | null = null;
    override async step(a: AgentRecord<string, Float32Array>): Promise<StepResult<Float32Array, string>> {
      this.last = await super.step(a);
      return this.last;
    }
  })({ horizon: 1 });
  const env = new RecordEpisodeStatistics(inner, 3);
  const right = Float32Array.of(1, 0, 0);
  const seen: boolean[] = [];
  for (let e = 0; e < 5; e++) {
    const { observations } = await env.reset({ seed: e });
    const target = Array.from(observations.agent_0).indexOf(1);
    const pick =
      e % 2 === 0 ? Float32Array.from(right.map((_, i) => (i === target ? 1 : 0))) : Float32Array.from(right.map((_, i) => (i === (target + 1) % 3 ? 1 : 0)));
    const r = await env.step({ agent_0: pick, agent_1: pick, agent_2: pick });
    seen.push(r.infos.agent_0.success as boolean);
    assert.ok(r.infos.agent_0.episode !== undefined);
    assert.equal(inner.last?.infos.agent_0.episode, undefined, 'inner infos were mutated');
  }
  assert.deepEqual(seen, [true, false, true, false, true]);
  assert.equal(env.episodeReturns.length, 3);
  assert.deepEqual(env.episodeSuccesses, [true, false, true]);
  assert.deepEqual(env.summary(), { episodes: 5, meanReturn: 2 / 3, meanLength: 1, successRate: 2 / 3 });
  assert.ok(hasGlobalState(env));
  assert.deepEqual(env.state?.(), inner.state());
  assert.throws(() => new RecordEpisodeStatistics(inner, 0), ConfigError);
});

test('a reset in the middle of an episode drops the unfinished episode', async () => {
  const env = new RecordEpisodeStatistics(new CoordinationGameEnv({ horizon: 3 }));
  await env.reset({ seed: 1 });
  await env.step({ agent_0: Float32Array.of(1, 0, 0), agent_1: Float32Array.of(1, 0, 0), agent_2: Float32Array.of(1, 0, 0) });
  await env.reset({ seed: 1 });
  let last;
  while (env.agents.length > 0)
    last = await env.step({ agent_0: Float32Array.of(1, 0, 0), agent_1: Float32Array.of(1, 0, 0), agent_2: Float32Array.of(1, 0, 0) });
  assert.equal((last?.infos.agent_0.episode as EpisodeStatistics).length, 3);
  assert.equal(env.episodeCount, 1);
});
