import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';
import { makeAlgorithm } from '../../src/algos/makeAlgorithm.js';
import { Trainer } from '../../src/algos/Trainer.js';
import { evaluatePolicy } from '../../src/algos/evaluatePolicy.js';
import type { PPOConfig } from '../../src/algos/PPOConfig.js';

// Small, seeded configs: ~60 iterations of 4 env copies × 32 steps each.
const FAST: Partial<PPOConfig> = { seed: 1, numSteps: 32, totalSteps: 8000, learningRate: 3e-3, entCoef: 0 };

/** Trains `algo` on 4 copies of CoordinationGameEnv with a small seeded config; returns its greedy step success rate on 25 held-out episodes. */
export async function solveCoordination(algo: 'ppo' | 'mappo', extra: Partial<PPOConfig> = {}): Promise<number> {
  const envs = Array.from({ length: 4 }, () => new CoordinationGameEnv());
  const a = algo === 'ppo' ? makeAlgorithm(envs, { ...FAST, ...extra, algo }) : makeAlgorithm(envs, { ...FAST, ...extra, algo });
  await new Trainer(a).run();
  const res = await evaluatePolicy(a.envPolicy(), new CoordinationGameEnv(), { episodes: 25, seed: 7 });
  a.dispose();
  return res.stepSuccessRate!;
}
