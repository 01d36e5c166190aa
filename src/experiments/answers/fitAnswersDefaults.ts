import type { PPOConfig } from '../../algos/PPOConfig.js';
import type { FusionEnvOptions } from './trainAnswerFusion.js';

/** The settings `fit-answers` runs with when no flag overrides them. */
export interface FitAnswersDefaults {
  readonly env: FusionEnvOptions;
  /** Env options of `--focal` runs (decider reward and fusion). */
  readonly focalEnv: FusionEnvOptions;
  readonly algo: PPOConfig['algo'];
  readonly steps: number;
  readonly numEnvs: number;
  readonly ppo: Partial<PPOConfig>;
  /** Algorithm settings of `--focal` runs (deciders and fusion agents differ, so nothing is shared). */
  readonly focalPpo: Partial<PPOConfig>;
}

/**
 * `fit-answers` defaults, chosen by 3-fold cross-validation on the train split of recorded BBH
 * answers (scripts/cv-fit-answers.ts; the test split was not used): per-model calibration (each agent
 * sets its model's log-temperature and option biases from its own rich features), each agent's own
 * `'difference'` reward (so the other agents' exploration noise mostly cancels out of it), MAPPO with
 * one shared actor, short rollouts (16 steps × 16 env copies per update), a learning rate of 1e-3
 * with the action noise starting at σ = e^-1 and no entropy bonus (at σ = 1 the noise on K + 1 action
 * entries drowned the signal and barely shrank): 55.5 % cross-validated against 54.4 % for mixing
 * weights with the `'gain'` reward. The budget keeps a default run near a minute on two cores.
 * `--focal` rewards the greedy answer's correctness (the `'gain'` reward, a difference of expected
 * probabilities, favours single confident models and collapsed the decider to one model), with a size
 * penalty between the cross-validated 0.02 (3.5 models) and 0.05 (1.3 models).
 */
export const FIT_ANSWERS_DEFAULTS: FitAnswersDefaults = Object.freeze<FitAnswersDefaults>({
  env: { fusion: 'calibrated', reward: 'difference', features: 'rich' },
  focalEnv: { fusion: 'weights', reward: 'correct', features: 'rich', alpha: 0.03 },
  algo: 'mappo',
  steps: 40_000,
  numEnvs: 16,
  ppo: { learningRate: 1e-3, initLogStd: -1, entCoef: 0, shareParameters: true, numSteps: 16, numMinibatches: 2 },
  focalPpo: { learningRate: 3e-3, numSteps: 16, numMinibatches: 2 },
});
