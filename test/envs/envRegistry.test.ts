import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { assertParallelEnv } from '../../src/core/checkParallelEnv.js';
import { ConfigError } from '../../src/core/errors.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { defineEnv, envNames, makeEnv, registerEnv, resolveEnvConfig, type EnvBuildContext } from '../../src/envs/envRegistry.js';
import { resolveRunConfig } from '../../src/cli/RunConfig.js';
import { buildRunEnvs } from '../../src/cli/commands/runEnvs.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';

const noSources = (split: 'train' | 'test'): EnvBuildContext => ({
  split,
  seed: 0,
  models: () => Promise.reject(new Error('no models in this test')),
  data: () => Promise.resolve(syntheticAnswers({ seed: 4 })),
});

test('the built-in envs are registered and their options resolve with documented defaults', () => {
  assert.deepEqual(envNames().slice(0, 4), ['decoding', 'answer', 'focal', 'coordination']);
  assert.deepEqual(resolveEnvConfig('decoding'), { seed: 0, spanLength: 4, maxSteps: 8, trainItems: 256, testItems: 100 });
  // Run settings fill the fields an env declares; options override them; other settings are ignored.
  assert.deepEqual(resolveEnvConfig('decoding', { maxSteps: 3 }, { spanLength: 2, maxSteps: 9, algo: 'ppo' }), {
    seed: 0,
    spanLength: 2,
    maxSteps: 3,
    trainItems: 256,
    testItems: 100,
  });
});

test('unknown names and bad options are ConfigErrors naming the field', () => {
  assert.throws(
    () => resolveEnvConfig('nope'),
    (e: unknown) => e instanceof ConfigError && e.field === 'env' && /decoding, answer, focal, coordination/.test(e.message),
  );
  assert.throws(
    () => resolveEnvConfig('coordination', { nOptions: 1 }),
    (e: unknown) => e instanceof ConfigError && e.field === 'envConfig.nOptions',
  );
  assert.throws(
    () => resolveEnvConfig('coordination', { nAgentz: 2 }),
    (e: unknown) => e instanceof ConfigError && /nAgentz/.test(e.message),
  );
  assert.throws(
    () => resolveRunConfig({ env: 'nope' }),
    (e: unknown) => e instanceof ConfigError && e.field === 'env',
  );
  assert.throws(
    () => resolveRunConfig({ env: 'coordination', envConfig: { horizon: 0 } }),
    (e: unknown) => e instanceof ConfigError && e.field === 'envConfig.horizon',
  );
});

test('makeEnv builds registered envs for a split', async () => {
  const coord = await makeEnv('coordination', { nAgents: 2, testEpisodes: 7 }, noSources('test'));
  assert.ok(coord.env instanceof CoordinationGameEnv);
  assert.deepEqual(coord.env.possibleAgents, ['agent_0', 'agent_1']);
  assert.equal(coord.episodes, 7);
  const answer = await makeEnv('answer', {}, noSources('test'));
  assert.ok(answer.env instanceof AnswerEnsembleEnv);
  assert.equal(answer.episodes, syntheticAnswers({ seed: 4 }).items.filter((it) => it.split === 'test').length);
});

test('a user env is one registration: registerEnv, then the CLI builds it by name', async () => {
  registerEnv(
    'coord-pairs',
    defineEnv({
      summary: 'two-agent coordination',
      uses: 'nothing',
      config: z.object({ horizon: z.number().int().positive().default(2) }),
      create: (c) => ({ env: new CoordinationGameEnv({ nAgents: 2, horizon: c.horizon }), episodes: 5 }),
    }),
  );
  assert.throws(
    () =>
      registerEnv(
        'coord-pairs',
        defineEnv({ summary: '', uses: 'nothing', config: z.object({}), create: () => ({ env: new CoordinationGameEnv(), episodes: 1 }) }),
      ),
    ConfigError,
  );
  const cfg = resolveRunConfig({ env: 'coord-pairs', envConfig: { horizon: 3 } });
  const envs = await buildRunEnvs(cfg);
  try {
    assert.equal(envs.testEpisodes, 5);
    assert.deepEqual(envs.agents, ['agent_0', 'agent_1']);
    await assertParallelEnv(envs.train as CoordinationGameEnv);
  } finally {
    await envs.close();
  }
  await assert.rejects(
    buildRunEnvs(resolveRunConfig({ env: 'coord-pairs', data: 'x.jsonl' })),
    (e: unknown) => e instanceof ConfigError && e.field === '--data',
  );
});
