import { Rng } from '../../core/Rng.js';
import { AnswerEnsembleEnv } from '../../envs/AnswerEnsembleEnv.js';
import { itemsOf, type AnswerDataset } from '../../envs/answerData.js';
import type { Policy } from '../../agents/Policy.js';
import { FixedWeightsPolicy, gridSearchWeights } from '../../agents/baselines/FixedWeightsPolicy.js';
import { PluralityVotePolicy } from '../../agents/baselines/PluralityVotePolicy.js';
import { StackedLogisticPolicy } from '../../agents/baselines/StackedLogisticPolicy.js';
import { evaluateAnswers, type AnswerChooser } from './evaluateAnswers.js';

/** One row of the fit-answers table. */
export interface AnswerMethodResult {
  readonly method: string;
  readonly accuracy: number;
  readonly meanSize: number;
  readonly wallSeconds: number;
  readonly weights?: readonly number[];
}

/** A baseline or trained policy acting deterministically, as an evaluation chooser. */
function chooserOf(policy: Policy, seed: number): AnswerChooser {
  const rng = new Rng(`${seed}/baseline`);
  return (obs) => policy.act(obs, rng, { deterministic: true }).actions as Record<string, Float32Array>;
}

/**
 * Baselines on the test split (from `src/agents/baselines`): each model alone, uniform weights, the
 * best fixed weights (grid chosen on the train split), plurality vote and per-task stacked
 * logistic regression (fitted on the train split).
 */
export async function answerBaselines(data: AnswerDataset, seed: number): Promise<AnswerMethodResult[]> {
  const agents = data.models;
  const n = agents.length;
  const trainEnv = new AnswerEnsembleEnv({ data, split: 'train', order: 'sequential' });
  const testEnv = new AnswerEnsembleEnv({ data, split: 'test', order: 'sequential' });
  const nTrain = itemsOf(data, 'train').length;
  const nTest = itemsOf(data, 'test').length;
  const rows: AnswerMethodResult[] = [];
  const run = async (method: string, policy: Policy, meanSize: number, weights?: readonly number[]): Promise<void> => {
    const r = await evaluateAnswers(testEnv, chooserOf(policy, seed), nTest, seed);
    rows.push({ method, accuracy: r.accuracy, meanSize, wallSeconds: r.wallSeconds, ...(weights ? { weights } : {}) });
  };
  for (let i = 0; i < n; i++) await run(`${agents[i]} alone`, new FixedWeightsPolicy({ agents, weights: agents.map((_, j) => (j === i ? 1 : 0)) }), 1);
  await run('uniform weights', new FixedWeightsPolicy({ agents }), n);
  const best = await gridSearchWeights({ agents, steps: n <= 4 ? 4 : 2, evaluate: async (p) => (await evaluateAnswers(trainEnv, chooserOf(p, seed), nTrain, seed)).accuracy });
  await run('best fixed weights', best.policy, best.policy.weights.filter((w) => w > 0).length, best.policy.weights);
  await run('plurality vote', new PluralityVotePolicy(agents, data.maxOptions), n);
  await run('stacked logistic regression', StackedLogisticPolicy.fit(data), n);
  await trainEnv.close();
  await testEnv.close();
  return rows;
}
