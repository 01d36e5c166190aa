import type { PPOConfig } from '../../algos/PPOConfig.js';
import type { FusionEnvOptions } from './trainAnswerFusion.js';

/** The settings `fit-answers` runs with when no flag overrides them (chosen by cross-validation on train splits; see scripts/cv-fit-answers.ts). */
export interface FitAnswersDefaults {
  readonly env: FusionEnvOptions;
  /** Extra env options of `--focal` runs (decider reward and fusion). */
  readonly focalEnv: FusionEnvOptions;
  readonly algo: PPOConfig['algo'];
  readonly steps: number;
  readonly numEnvs: number;
  readonly ppo: Partial<PPOConfig>;
  /** Algorithm settings of `--focal` runs (deciders and fusion agents differ, so nothing is shared). */
  readonly focalPpo: Partial<PPOConfig>;
}

/** `fit-answers` defaults. */
export const FIT_ANSWERS_DEFAULTS: FitAnswersDefaults = Object.freeze<FitAnswersDefaults>({
  env: { fusion: 'weights', reward: 'correct', features: 'rich' },
  focalEnv: { fusion: 'weights', reward: 'correct', features: 'rich', alpha: 0.1 },
  algo: 'mappo',
  steps: 40_000,
  numEnvs: 16,
  ppo: { learningRate: 1e-3, shareParameters: true, numSteps: 128 },
  focalPpo: { learningRate: 1e-3, numSteps: 128 },
});
