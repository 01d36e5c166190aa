import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/initBackend.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer } from '../../src/algos/Trainer.js';
import { evaluatePolicy } from '../../src/algos/evaluatePolicy.js';
import type { PPOConfig } from '../../src/algos/PPOConfig.js';
import { TinyCoordinationEnv } from '../support/TinyCoordinationEnv.js';

await initBackend();

// Small, seeded configs: ~60 iterations of 4 env copies × 32 steps each.
const FAST: Partial<PPOConfig> = { seed: 1, numSteps: 32, totalSteps: 8000, learningRate: 3e-3, entCoef: 0 };

test('IPPO with Dirichlet heads learns a simplex coordination task', async () => {
  const envs = Array.from({ length: 4 }, () => new TinyCoordinationEnv(3, true));
  const a = makeAlgorithm(envs, { ...FAST, algo: 'ippo', totalSteps: 2000 });
  const metrics = await new Trainer(a).run();
  const res = await evaluatePolicy(a.envPolicy(), new TinyCoordinationEnv(3, true), { episodes: 50, seed: 3 });
  a.dispose();
  assert.ok(res.successRate! >= 0.95, `success rate ${res.successRate}`);
  assert.ok(metrics.every((m) => Number.isFinite(m.entropy) && Number.isFinite(m.approxKl)));
});
