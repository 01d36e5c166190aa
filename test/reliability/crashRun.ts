// The small training run that the crash tests write, kill and resume (shared by parent and children).
import type { PPOConfig } from '../../src/algos/PPOConfig.js';
import { CoordinationGameEnv } from '../../src/envs/CoordinationGameEnv.js';

/** Tiny MAPPO on a 2-agent coordination game; totalSteps is large so a child trains until killed. */
export const CRASH_RUN_CONFIG: Partial<PPOConfig> = {
  algo: 'mappo',
  seed: 7,
  numSteps: 8,
  totalSteps: 8 * 1_000_000,
  numMinibatches: 1,
  updateEpochs: 1,
  hidden: [8],
};

/** Fresh env copies of the run (the same for the writer and for every resume). */
export const crashRunEnvs = (): CoordinationGameEnv[] => [new CoordinationGameEnv({ nAgents: 2, horizon: 5 })];
