import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/initBackend.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer } from '../../src/algos/Trainer.js';
import { evaluatePolicy } from '../../src/algos/evaluatePolicy.js';
import { gridSearchWeights } from '../../src/agents/baselines/FixedWeightsPolicy.js';
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { syntheticAnswers } from '../../src/testing/syntheticAnswers.js';

await initBackend();

test('MAPPO fusion on synthetic answers beats the best fixed weights (grid-searched on train) by >= 10 points on test', async () => {
  const data = syntheticAnswers({ seed: 0 });
  const trainEnv = new AnswerEnsembleEnv({ data, split: 'train' });
  const fixed = await gridSearchWeights({
    agents: data.models,
    steps: 4,
    evaluate: async (p) => (await evaluatePolicy(p, trainEnv, { episodes: 150, seed: 1 })).meanReturn,
  });
  const envs = Array.from({ length: 4 }, () => new AnswerEnsembleEnv({ data }));
  const algo = makeAlgorithm(envs, { algo: 'mappo', seed: 1, numSteps: 16, totalSteps: 2500, learningRate: 3e-3, entCoef: 0, shareParameters: true });
  const metrics = await new Trainer(algo).run();
  const w = metrics[metrics.length - 1].meanWeights!;
  assert.equal(w.length, data.models.length);
  assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-6, `mean weights chosen ${w}`);
  const testEnv = () => new AnswerEnsembleEnv({ data, split: 'test' });
  const fixedAcc = (await evaluatePolicy(fixed.policy, testEnv(), { episodes: 200, seed: 2 })).meanReturn;
  const learnedAcc = (await evaluatePolicy(algo.envPolicy(), testEnv(), { episodes: 200, seed: 2 })).meanReturn;
  algo.dispose();
  assert.ok(learnedAcc >= fixedAcc + 0.1, `learned ${learnedAcc} vs best fixed ${fixedAcc} (weights ${fixed.policy.weights})`);
});
