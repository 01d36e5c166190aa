import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend/initBackend.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer } from '../../src/algos/Trainer.js';
import { evaluatePolicy } from '../../src/algos/evaluatePolicy.js';
import type { PPOConfig } from '../../src/algos/PPOConfig.js';

await initBackend();

// Small, seeded configs: ~60 iterations of 4 env copies × 32 steps each.
const FAST: Partial<PPOConfig> = { seed: 1, numSteps: 32, totalSteps: 8000, learningRate: 3e-3, entCoef: 0 };

async function solveRate(algo: 'ppo' | 'mappo', extra: Partial<PPOConfig> = {}): Promise<number> {
  const envs = Array.from({ length: 4 }, () => new CoordinationGameEnv());
  const a = algo === 'ppo' ? makeAlgorithm(envs, { ...FAST, ...extra, algo }) : makeAlgorithm(envs, { ...FAST, ...extra, algo });
  await new Trainer(a).run();
  const res = await evaluatePolicy(a.envPolicy(), new CoordinationGameEnv(), { episodes: 25, seed: 7 });
  a.dispose();
  return res.stepSuccessRate!;
}

test('MAPPO (shared actor, centralized critic on env.state()) solves CoordinationGameEnv to >= 95 % success', async () => {
  const rate = await solveRate('mappo', { shareParameters: true });
  assert.ok(rate >= 0.95, `success rate ${rate}`);
});
