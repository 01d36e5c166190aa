import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/backend/initBackend.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer, type TrainerMetrics } from '../../src/algos/Trainer.js';
import { ConfigError } from '../../src/core/errors.js';
import { VectorEnv } from '../../src/envs/VectorEnv.js';
import { syntheticAnswerEnv } from '../../src/testing/syntheticAnswers.js';

await initBackend({ force: 'cpu' });

const spec = {
  module: fileURLToPath(new URL('../../src/testing/syntheticAnswers.ts', import.meta.url)),
  factory: 'syntheticAnswerEnv',
  config: { seed: 3, numItems: 60 },
};
const CFG = { algo: 'mappo' as const, seed: 5, numSteps: 8, totalSteps: 8 * 2 * 3, numMinibatches: 2, updateEpochs: 2, hidden: [8] };
const strip = (ms: TrainerMetrics[]) => ms.map(({ rolloutSeconds: _r, updateSeconds: _u, stepsPerSecond: _s, ...rest }) => rest);

test('training on worker-thread copies (VectorEnv.inWorkers, autoreset disabled) gives the metrics of in-process copies', async () => {
  const local = makeAlgorithm([syntheticAnswerEnv(spec.config), syntheticAnswerEnv(spec.config)], CFG);
  const expected = strip(await new Trainer(local).run());
  local.dispose();
  const vec = await VectorEnv.inWorkers(spec, 2, { threads: 2, autoreset: 'disabled' });
  try {
    const remote = makeAlgorithm(vec, CFG);
    assert.deepEqual(strip(await new Trainer(remote).run()), expected);
    remote.dispose();
  } finally {
    await vec.close();
  }
});

test('a VectorEnv that autoresets by itself is rejected naming envs', async () => {
  const vec = new VectorEnv([syntheticAnswerEnv(spec.config)], { autoreset: 'same-step' });
  assert.throws(
    () => makeAlgorithm(vec, CFG),
    (e: unknown) => e instanceof ConfigError && e.field === 'envs' && /disabled/.test(e.message),
  );
  await vec.close();
});
