import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { InvalidActionError } from '../../src/core/errors.js';
import { assertParallelEnv } from '../../src/core/checkParallelEnv.js';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Simplex } from '../../src/core/spaces.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';
import { WorkerEnv, spaceFromJSON, spaceToJSON } from '../../src/envs/WorkerEnv.js';
import { syntheticAnswerEnv } from '../../src/testing/syntheticAnswers.js';

const spec = { module: fileURLToPath(new URL('../../src/testing/syntheticAnswers.ts', import.meta.url)), factory: 'syntheticAnswerEnv', config: { seed: 3, numItems: 60 } };

test('spaces survive the trip to plain data and back', () => {
  const spaces = [new Box(-1, [2, 3], [2]), new Discrete(4, 1), new MultiDiscrete([2, 5]), new MultiBinary(3), new Simplex(4, 1e-4), new Dict({ a: new Box(0, 1, [1]), b: new Discrete(2) })];
  for (const s of spaces) assert.equal(String(spaceFromJSON(structuredClone(spaceToJSON(s)))), String(s));
});

test('copies in worker threads give the same batches as copies on this thread', async () => {
  const local = await VectorEnv.create(() => syntheticAnswerEnv(spec.config), 4);
  const remote = await VectorEnv.inWorkers(spec, 4, { threads: 2 });
  try {
    assert.deepEqual(remote.possibleAgents, local.possibleAgents);
    assert.deepEqual(await remote.reset({ seed: 9 }), await local.reset({ seed: 9 }));
    for (let t = 0; t < 3; t++) {
      const actions = Object.fromEntries(local.possibleAgents.map((a, i) => [a, Float32Array.from({ length: 4 }, (_, e) => (e - i + t) / 2)]));
      const [r, l] = [await remote.step(actions), await local.step(actions)];
      assert.deepEqual(r.rewards, l.rewards);
      assert.deepEqual(r.observations, l.observations);
      assert.deepEqual(r.finalInfos, l.finalInfos);
      assert.deepEqual(remote.states(), local.states(), 'global state travels with every reply');
    }
  } finally {
    await remote.close();
    await remote.close();
    await local.close();
  }
});

test('typed errors come back from the worker as the same classes; a bad factory is named', async () => {
  const [env] = await WorkerEnv.spawn(spec, 1, 1);
  try {
    await env.reset({ seed: 0 });
    const bad = Object.fromEntries(env.possibleAgents.map((a) => [a, Float32Array.of(NaN)]));
    await assert.rejects(env.step(bad), (e: unknown) => e instanceof InvalidActionError && e.agent === env.possibleAgents[0]);
  } finally {
    await env.close();
  }
  await assert.rejects(WorkerEnv.spawn({ ...spec, factory: 'nope' }, 1, 1), /no exported function "nope"/);
});

test('a copy in a worker thread passes checkParallelEnv (each instance starts a thread, so few steps)', async () => {
  await assertParallelEnv(async () => (await WorkerEnv.spawn(spec, 1, 1))[0], { steps: 30 });
});
