import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkParallelEnv } from '../../src/core/checkParallelEnv.js';
import { ConfigError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/Rng.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';

const configArb = fc.record({
  nAgents: fc.integer({ min: 1, max: 5 }),
  nOptions: fc.integer({ min: 2, max: 5 }),
  horizon: fc.integer({ min: 1, max: 10 }),
  cueNoise: fc.double({ min: 0, max: 1, noNaN: true }),
  denseWeight: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** Logits that pick option k. */
const pick = (k: number, n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => (i === k ? 1 : 0));

/** The cue an agent sees: the argmax of the first K observation entries. */
const cueOf = (obs: Float32Array, k: number): number => obs.subarray(0, k).indexOf(1);

test('checkParallelEnv passes for any configuration', async () => {
  // 15 runs: each check runs ~300 env steps over four env instances, so 200 runs would take too long.
  await fc.assert(
    fc.asyncProperty(configArb, fc.integer(), async (config, seed) => {
      const r = await checkParallelEnv(() => new CoordinationGameEnv(config), { seed });
      assert.deepEqual(r.problems, []);
    }),
    { numRuns: 15 },
  );
});

test('team reward = denseWeight * fraction correct + (1 - denseWeight) * all correct, shared by all agents', async () => {
  await fc.assert(
    fc.asyncProperty(configArb, fc.integer(), async (config, seed) => {
      const env = new CoordinationGameEnv(config);
      await env.reset({ seed });
      const rng = new Rng(seed);
      while (env.agents.length > 0) {
        const target = env.state().subarray(0, config.nOptions).indexOf(1);
        const picks = env.agents.map(() => (rng.next() < 0.5 ? target : rng.int(config.nOptions)));
        const actions = Object.fromEntries(env.agents.map((a, i) => [a, pick(picks[i], config.nOptions)]));
        const nRight = picks.filter((p) => p === target).length;
        const all = nRight === picks.length;
        const r = await env.step(actions);
        for (const a of Object.keys(r.rewards)) {
          assert.ok(Math.abs(r.rewards[a] - (config.denseWeight * (nRight / picks.length) + (1 - config.denseWeight) * (all ? 1 : 0))) < 1e-12);
          assert.equal(r.infos[a].success, all);
          assert.equal(r.terminations[a], false);
        }
      }
    }),
    { numRuns: 200 },
  );
});

test('episodes last exactly horizon steps and end by truncation', async () => {
  const env = new CoordinationGameEnv({ horizon: 5 });
  await env.reset({ seed: 1 });
  for (let t = 1; t <= 5; t++) {
    const r = await env.step(Object.fromEntries(env.agents.map((a) => [a, pick(0, 3)])));
    assert.equal(Object.values(r.truncations).every(Boolean), t === 5);
    assert.equal(env.agents.length, t === 5 ? 0 : 3);
  }
});

test('following the cue solves the noiseless game; random picks rarely do', async () => {
  const env = new CoordinationGameEnv();
  let { observations } = await env.reset({ seed: 5 });
  let ret = 0;
  while (env.agents.length > 0) {
    const r = await env.step(Object.fromEntries(env.agents.map((a) => [a, pick(cueOf(observations[a], 3), 3)])));
    observations = r.observations;
    assert.ok(Object.values(r.infos).every((i) => i.success === true));
    ret += r.rewards.agent_0;
  }
  assert.equal(ret, 8);
  const rng = new Rng(9);
  let wins = 0,
    steps = 0;
  for (let e = 0; e < 50; e++) {
    await env.reset();
    while (env.agents.length > 0) {
      const r = await env.step(Object.fromEntries(env.agents.map((a) => [a, pick(rng.int(3), 3)])));
      wins += r.infos.agent_0.success ? 1 : 0;
      steps += 1;
    }
  }
  assert.ok(wins / steps < 0.15, `random success ${wins / steps}`);
});

test('cue noise hides the target from agents but not from the global state', async () => {
  const env = new CoordinationGameEnv({ cueNoise: 1, nOptions: 5 });
  let { observations } = await env.reset({ seed: 3 });
  let mismatches = 0;
  for (let i = 0; i < 40 && env.agents.length > 0; i++) {
    const s = env.state();
    const target = s.subarray(0, 5).indexOf(1);
    env.agents.forEach((a, j) => {
      const cue = cueOf(observations[a], 5);
      assert.equal(s.subarray(5 + j * 5, 10 + j * 5).indexOf(1), cue);
      if (cue !== target) mismatches += 1;
    });
    observations = (await env.step(Object.fromEntries(env.agents.map((a) => [a, pick(0, 5)])))).observations;
  }
  assert.ok(mismatches > 0);
});

test('reset({seed}) is the only seeding entry: same seed, same episodes; reset() continues the stream', async () => {
  const run = async (env: CoordinationGameEnv, seeds: (number | undefined)[]): Promise<number[][]> => {
    const out: number[][] = [];
    for (const seed of seeds) {
      const { observations } = await env.reset(seed === undefined ? {} : { seed });
      out.push(Array.from(observations.agent_0), Array.from(env.state()));
    }
    return out;
  };
  const a = await run(new CoordinationGameEnv({ cueNoise: 0.5 }), [3, undefined, undefined]);
  assert.deepEqual(await run(new CoordinationGameEnv({ cueNoise: 0.5 }), [3, undefined, undefined]), a);
  assert.notDeepEqual(await run(new CoordinationGameEnv({ cueNoise: 0.5 }), [4, undefined, undefined]), a);
  assert.deepEqual(await run(new CoordinationGameEnv(), [undefined]), await run(new CoordinationGameEnv(), [0]));
});

test('seed 42 snapshot', async () => {
  const env = new CoordinationGameEnv();
  const { observations } = await env.reset({ seed: 42 });
  const r = await env.step({ agent_0: pick(0, 3), agent_1: pick(1, 3), agent_2: pick(2, 3) });
  assert.deepEqual(
    { obs0: Array.from(observations.agent_0), state: Array.from(env.state()), rewards: r.rewards, next: Array.from(r.observations.agent_2) },
    SNAPSHOT,
  );
});

const SNAPSHOT = {
  obs0: [0, 0, 1, 1, 0, 0, 0],
  state: [0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0.125],
  rewards: { agent_0: 0.5 / 3, agent_1: 0.5 / 3, agent_2: 0.5 / 3 },
  next: [0, 1, 0, 0, 0, 1, 0.125],
};

test('a simple independent policy-gradient learner reaches >= 95% success', async () => {
  // Tabular REINFORCE per agent (softmax over picks given the cue), team reward only: shows that
  // independent learners get enough signal from the shared reward.
  const K = 3;
  const env = new CoordinationGameEnv();
  const rng = new Rng(0);
  const theta = env.possibleAgents.map(() => Array.from({ length: K }, () => new Float64Array(K)));
  const probs = (row: Float64Array): number[] => {
    const m = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - m));
    const s = e.reduce((x, y) => x + y, 0);
    return e.map((v) => v / s);
  };
  let baseline = 0;
  for (let ep = 0; ep < 150; ep++) {
    let { observations } = await env.reset({ seed: ep });
    while (env.agents.length > 0) {
      const choices = env.agents.map((a, i) => {
        const cue = cueOf(observations[a], K);
        return { i, cue, k: rng.categorical(probs(theta[i][cue])) };
      });
      const r = await env.step(Object.fromEntries(env.agents.map((a, j) => [a, pick(choices[j].k, K)])));
      const adv = r.rewards.agent_0 - baseline;
      baseline += 0.05 * (r.rewards.agent_0 - baseline);
      for (const { i, cue, k } of choices) {
        const p = probs(theta[i][cue]);
        for (let j = 0; j < K; j++) theta[i][cue][j] += 0.5 * adv * ((j === k ? 1 : 0) - p[j]);
      }
      observations = r.observations;
    }
  }
  let wins = 0,
    steps = 0;
  for (let ep = 0; ep < 20; ep++) {
    let { observations } = await env.reset({ seed: 10_000 + ep });
    while (env.agents.length > 0) {
      const r = await env.step(
        Object.fromEntries(
          env.agents.map((a, i) => {
            const row = theta[i][cueOf(observations[a], K)];
            return [a, pick(row.indexOf(Math.max(...row)), K)];
          }),
        ),
      );
      wins += r.infos.agent_0.success ? 1 : 0;
      steps += 1;
      observations = r.observations;
    }
  }
  assert.ok(wins / steps >= 0.95, `greedy success ${wins / steps}`);
});

test('invalid configuration throws ConfigError naming the field', () => {
  assert.throws(
    () => new CoordinationGameEnv({ nAgents: 0 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'nAgents',
  );
  assert.throws(
    () => new CoordinationGameEnv({ nOptions: 1 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'nOptions',
  );
  assert.throws(
    () => new CoordinationGameEnv({ horizon: 2.5 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'horizon',
  );
  assert.throws(
    () => new CoordinationGameEnv({ cueNoise: -0.1 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'cueNoise',
  );
  assert.throws(
    () => new CoordinationGameEnv({ denseWeight: NaN }),
    (e: unknown) => e instanceof ConfigError && e.field === 'denseWeight',
  );
});
