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
 * answers (scripts/cv-fit-answers.ts; the test split was not used): mixing weights from each
 * model's own rich features, the `'gain'` reward, MAPPO with one shared actor, short rollouts
 * (16 steps × 16 env copies per update) and a learning rate of 3e-3. The budget keeps a default
 * run near a minute on two cores. `--focal` rewards the greedy answer's correctness (the `'gain'`
 * reward, a difference of expected probabilities, favours single confident models and collapsed the
 * decider to one model), with a size penalty between the cross-validated 0.02 (3.5 models) and 0.05
 * (1.3 models).
 */
export const FIT_ANSWERS_DEFAULTS: FitAnswersDefaults = Object.freeze<FitAnswersDefaults>({
  env: { fusion: 'weights', reward: 'gain', features: 'rich' },
  focalEnv: { fusion: 'weights', reward: 'correct', features: 'rich', alpha: 0.03 },
  algo: 'mappo',
  steps: 40_000,
  numEnvs: 16,
  ppo: { learningRate: 3e-3, shareParameters: true, numSteps: 16, numMinibatches: 2 },
  focalPpo: { learningRate: 3e-3, numSteps: 16, numMinibatches: 2 },
});
