import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { ConfigError, EnsembleGymError, EnvStateError, InvalidActionError } from '../../src/core/errors.js';
import { assertParallelEnv } from '../../src/core/checkParallelEnv.js';
import { Box, Dict, Discrete, MultiBinary, MultiDiscrete, Simplex } from '../../src/core/spaces.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';
import { WorkerEnv, spaceFromJSON, spaceToJSON } from '../../src/envs/WorkerEnv.js';
import { syntheticAnswerEnv } from '../../src/testing/syntheticAnswers.js';

const spec = {
  module: fileURLToPath(new URL('../../src/testing/syntheticAnswers.ts', import.meta.url)),
  factory: 'syntheticAnswerEnv',
  config: { seed: 3, numItems: 60 },
};

test('spaces survive the trip to plain data and back', () => {
  const spaces = [
    new Box(-1, [2, 3], [2]),
    new Discrete(4, 1),
    new MultiDiscrete([2, 5]),
    new MultiBinary(3),
    new Simplex(4, 1e-4),
    new Dict({ a: new Box(0, 1, [1]), b: new Discrete(2) }),
  ];
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

const faultSpec = (fault: string) => ({ module: fileURLToPath(new URL('./workerFaultEnv.ts', import.meta.url)), factory: 'faultyEnv', config: { fault } });
const actionsOf = (env: WorkerEnv) => Object.fromEntries(env.possibleAgents.map((a) => [a, new Float32Array(env.actionSpace(a).flatDim)]));

test('errors keep their class across the thread: a TypeError stays a TypeError, a ConfigError keeps its field', async () => {
  for (const [fault, check] of [
    [
      'type-error',
      (e: unknown) => e instanceof TypeError && !(e instanceof EnsembleGymError) && /Cannot read properties of undefined/.test((e as Error).message),
    ],
    ['config-error', (e: unknown) => e instanceof ConfigError && e.field === 'fault.field' && /is wrong on purpose/.test(e.message)],
    ['uncloneable-info', (e: unknown) => e instanceof EnsembleGymError && /step result cannot be sent/.test((e as Error).message)],
  ] as const) {
    const [env] = await WorkerEnv.spawn(faultSpec(fault), 1, 1);
    try {
      await env.reset({ seed: 0 });
      await assert.rejects(env.step(actionsOf(env)), check, fault);
      await env.reset({ seed: 1 });
    } finally {
      await env.close();
    }
  }
});

test('reset options and actions that cannot be cloned are typed errors naming the field; the copy still works', async () => {
  const [env] = await WorkerEnv.spawn(faultSpec('none'), 1, 1);
  try {
    await assert.rejects(env.reset({ seed: 0, options: { scorer: () => 1 } }), (e: unknown) => e instanceof ConfigError && e.field === 'options.scorer');
    await assert.rejects(
      env.reset({ seed: 0, options: { deep: [1, { s: Symbol('x') }] } }),
      (e: unknown) => e instanceof ConfigError && e.field === 'options.deep[1].s',
    );
    await env.reset({ seed: 0 });
    await assert.rejects(
      env.step({ ...actionsOf(env), agent_1: (() => 0) as never }),
      (e: unknown) => e instanceof InvalidActionError && e.agent === 'agent_1',
    );
    await env.step(actionsOf(env));
  } finally {
    await env.close();
  }
});

test('a worker that exits (code 0 or 3) mid-call rejects the call with EnvStateError; later calls too; close() resolves', async () => {
  for (const fault of ['exit0', 'exit3']) {
    const v = await VectorEnv.inWorkers(faultSpec(fault), 2, { threads: 1 });
    await v.reset({ seed: 0 });
    const acts = Object.fromEntries(v.possibleAgents.map((a) => [a, new Float32Array(2 * v.actionSpace(a).flatDim)]));
    await assert.rejects(v.step(acts), (e: unknown) => e instanceof EnvStateError && /worker thread (ended|exited)/.test((e as Error).message), fault);
    await assert.rejects(
      v.reset(),
      (e: unknown) => e instanceof EnvStateError && new RegExp(`exited with code ${fault === 'exit0' ? 0 : 3}`).test((e as Error).message),
    );
    await v.close();
  }
});

test('a missing module or factory is a ConfigError naming the module and the export', async () => {
  const missing = fileURLToPath(new URL('./no-such-module.ts', import.meta.url));
  await assert.rejects(
    WorkerEnv.spawn({ module: missing, factory: 'make' }, 1, 1),
    (e: unknown) => e instanceof ConfigError && e.field === 'spec.module' && e.message.includes(missing),
  );
  await assert.rejects(
    WorkerEnv.spawn({ ...spec, factory: 'nope' }, 2, 2),
    (e: unknown) => e instanceof ConfigError && e.field === 'spec.factory' && /"nope"/.test(e.message) && e.message.includes(spec.module),
  );
  await assert.rejects(WorkerEnv.spawn({ ...spec, config: { f: () => 1 } }, 1, 1), (e: unknown) => e instanceof ConfigError && e.field === 'spec.config.f');
});
