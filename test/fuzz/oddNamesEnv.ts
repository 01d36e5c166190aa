// Env factories for the fuzz tests (also loaded inside worker threads): answer envs whose models are
// named after Object.prototype members.
import { AnswerEnsembleEnv } from '../../src/envs/AnswerEnsembleEnv.js';
import { answerDataFromObject } from '../../src/envs/answerData.js';
import { FocalEnv } from '../../src/envs/FocalEnv.js';
import { syntheticAnswersObject } from '../../src/testing/syntheticAnswers.js';

/** Model (agent) names that are Object.prototype members. */
export const ODD_NAMES = ['__proto__', 'constructor', 'toString'];

const dataOf = (seed: number) => answerDataFromObject({ models: ODD_NAMES, items: syntheticAnswersObject({ seed, numItems: 30, generalists: 1 }).items });

/** AnswerEnsembleEnv over synthetic answers of models named `ODD_NAMES`. */
export function oddNamesAnswerEnv(config: { seed: number }): AnswerEnsembleEnv {
  return new AnswerEnsembleEnv({ data: dataOf(config.seed) });
}

/** FocalEnv (per-model MultiBinary deciders) over the same data. */
export function oddNamesFocalEnv(config: { seed: number }): FocalEnv {
  return new FocalEnv({ data: dataOf(config.seed), deciders: 'per-model' });
}
